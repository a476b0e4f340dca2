"""Donors and what they gave: in kind (lines that become lots in a store) or
in cash (an entry into the community charity fund), with the donor's
restrictions, and the feedback the station owes them."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from resourcelink.core.models import Archivable, StationOwned


class DonorKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("enterprise")
    ORGANIZATION = "organization", _("organisation")
    PARTY_MEMBER = "party_member", _("party member")
    INDIVIDUAL = "individual", _("individual")
    GOVERNMENT = "government", _("government")


class Donor(StationOwned, Archivable):
    kind = models.CharField(_("kind"), max_length=15, choices=DonorKind.choices)
    name = models.CharField(_("name"), max_length=200)
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    may_be_named = models.BooleanField(
        _("may be named in public"), default=False,
        help_text=_("Only then does the public disclosure page show the donor's name."),
    )
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("donor")
        verbose_name_plural = _("donors")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["station", "name"], name="donor_station_name")]

    def __str__(self) -> str:
        return self.name


class DonationKind(models.TextChoices):
    IN_KIND = "in_kind", _("in kind")
    CASH = "cash", _("cash")


class Donation(StationOwned):
    """One gift, acknowledged with the station's running number.

    Restrictions say who and what the gift may serve; empty means any. They
    travel with the gift: to the lots its lines make and to the fund account
    its money goes into.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.PositiveIntegerField(_("number"), editable=False)
    donor = models.ForeignKey(Donor, verbose_name=_("donor"), on_delete=models.PROTECT, related_name="donations")
    kind = models.CharField(_("kind"), max_length=10, choices=DonationKind.choices)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True)
    received_on = models.DateField(_("received on"))
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("received by"),
                                    on_delete=models.PROTECT, related_name="+")
    description = models.TextField(_("description"), blank=True)
    target_tags = models.ManyToManyField("people.VulnerabilityTag", verbose_name=_("only for"), blank=True,
                                         related_name="+")
    categories = models.ManyToManyField("taxonomy.Category", verbose_name=_("only for needs in"), blank=True,
                                        related_name="+")
    communities = models.ManyToManyField("communities.Community", verbose_name=_("only in"), blank=True,
                                         related_name="+")
    use_by = models.DateField(_("to be used by"), null=True, blank=True)
    restriction_note = models.CharField(_("the donor's wishes"), max_length=300, blank=True)
    feedback_sent_on = models.DateField(_("feedback sent on"), null=True, blank=True)
    # The unguessable part of the donor report's shareable link.
    report_token = models.CharField(max_length=43, unique=True, editable=False)

    history = HistoricalRecords(m2m_fields=[target_tags, categories, communities])

    class Meta:
        verbose_name = _("donation")
        verbose_name_plural = _("donations")
        ordering = ["-received_on", "-number"]
        indexes = [
            models.Index(fields=["station", "received_on"], name="donation_station_received"),
            models.Index(fields=["station", "feedback_sent_on"], name="donation_station_feedback"),
        ]
        constraints = [
            models.UniqueConstraint("station", "number", name="donation_number_unique_per_station"),
            models.CheckConstraint(
                condition=(models.Q(kind="cash", amount__gt=0) | models.Q(kind="in_kind", amount__isnull=True)),
                name="donation_cash_has_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{_('donation')} {self.number}"


class DonationLine(models.Model):
    """One thing given in kind: received into a store as a lot."""

    donation = models.ForeignKey(Donation, verbose_name=_("donation"), on_delete=models.PROTECT,
                                 related_name="lines")
    item = models.ForeignKey("inventory.Item", verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    estimated_value = models.DecimalField(_("estimated value (yuan)"), max_digits=14, decimal_places=2,
                                          null=True, blank=True)

    class Meta:
        verbose_name = _("donation line")
        verbose_name_plural = _("donation lines")
        ordering = ["donation_id", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(quantity__gte=1), name="donationline_quantity")]

    def __str__(self) -> str:
        return f"{self.item} × {self.quantity}"
