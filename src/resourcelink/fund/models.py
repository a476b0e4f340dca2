"""The community charity fund: accounts and an append-only ledger.

Money restricted by a donor ("for families in difficulty") sits in its own
account carrying that restriction; unrestricted money in the station's
general account. An account's `balance` is a cache of its entries, updated in
the same transaction under a row lock, and a database constraint keeps it
from going negative.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from resourcelink.core.models import StationOwned


class FundAccount(StationOwned):
    name = models.CharField(_("name"), max_length=200)
    # The cash donation whose restrictions this account carries; none for
    # the general account.
    donation = models.OneToOneField("donations.Donation", verbose_name=_("donation"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="fund_account")
    balance = models.DecimalField(_("balance"), max_digits=14, decimal_places=2, default=0, editable=False)
    # Money an approved distribution plan has set aside: still in the
    # account, no longer available for other grants.
    reserved = models.DecimalField(_("reserved"), max_digits=14, decimal_places=2, default=0, editable=False)

    class Meta:
        verbose_name = _("fund account")
        verbose_name_plural = _("fund accounts")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(balance__gte=0), name="fundaccount_balance_not_negative"),
            models.CheckConstraint(condition=models.Q(reserved__gte=0), name="fundaccount_reserved_not_negative"),
            models.CheckConstraint(condition=models.Q(reserved__lte=models.F("balance")),
                                   name="fundaccount_reserved_within_balance"),
            models.UniqueConstraint("station", condition=models.Q(donation__isnull=True),
                                    name="fundaccount_one_general_per_station"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_restricted(self) -> bool:
        return self.donation_id is not None

    @property
    def available(self):
        return self.balance - self.reserved


class EntryKind(models.TextChoices):
    DONATION_IN = "donation_in", _("donation received")
    GRANT_OUT = "grant_out", _("grant paid")
    TRANSFER_OUT = "transfer_out", _("transferred out")
    TRANSFER_IN = "transfer_in", _("transferred in")
    CORRECTION = "correction", _("correction")
    RESERVE = "reserve", _("reserved")
    RELEASE = "release", _("released")


class FundEntry(models.Model):
    """One movement of money. Append-only: a mistake is corrected by a
    correction entry, never by editing one."""

    station = models.ForeignKey("accounts.Station", on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(FundAccount, verbose_name=_("account"), on_delete=models.PROTECT,
                                related_name="entries")
    kind = models.CharField(_("kind"), max_length=12, choices=EntryKind.choices)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2,
                                 help_text=_("Positive in, negative out."))
    # Like a stock move: a reservation sets money aside without moving it
    # (amount 0), a grant of reserved money takes both down.
    reserved_delta = models.DecimalField(_("change reserved"), max_digits=14, decimal_places=2, default=0)
    household = models.ForeignKey("people.Household", verbose_name=_("household"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    donation = models.ForeignKey("donations.Donation", verbose_name=_("donation"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="fund_entries")
    counterpart = models.ForeignKey("self", verbose_name=_("counterpart"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(_("refers to"), max_length=60, blank=True, db_index=True)
    entered_on = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("why"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("fund entry")
        verbose_name_plural = _("fund entries")
        ordering = ["entered_on", "id"]
        indexes = [models.Index(fields=["station", "account", "id"], name="fundentry_station_account")]
        constraints = [models.CheckConstraint(condition=~models.Q(amount=0, reserved_delta=0),
                                              name="fundentry_changes_something")]

    def __str__(self) -> str:
        if self.amount == 0:
            return f"{self.get_kind_display()} {self.reserved_delta:+}"
        return f"{self.get_kind_display()} {self.amount}"
