"""Distribution plans: who receives what from which lots and which money,
the hand-overs that record it, and what is decided about the surplus.

A plan names its sources (``PlanSource``: lots and fund accounts, each with
how much of it the plan may use), its target groups in priority tiers
(``PlanTier``: vulnerability tags and chosen households) and what each
recipient gets (``Allowance``: an item or money, per person or per household,
optionally only for residents with one tag). Generating the plan runs the
allocation engine and writes one ``PlanLine`` per recipient household (a row
on the sign-off sheet) with its ``PlanPortion`` rows (how much of which lot
or account), and ``PlanShortfall`` rows for what could not be given and why.

Approving reserves every portion's stock and money; a hand-over issues it
(stock ``issue`` from reserved, fund ``grant_out`` from reserved); closing
releases what was not handed over and asks for ``SurplusDecision`` rows.
See docs/decisions/0007-distribution-plans.md.
"""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from resourcelink.core.models import StationOwned


def new_token() -> str:
    return secrets.token_urlsafe(32)


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    APPROVED = "approved", _("approved")
    IN_PROGRESS = "in_progress", _("in progress")
    CLOSED = "closed", _("closed")
    CANCELLED = "cancelled", _("cancelled")


# Which status may follow which (the services refuse anything else).
PLAN_TRANSITIONS = {
    PlanStatus.DRAFT: {PlanStatus.APPROVED, PlanStatus.CANCELLED},
    PlanStatus.APPROVED: {PlanStatus.IN_PROGRESS, PlanStatus.CLOSED, PlanStatus.DRAFT},
    PlanStatus.IN_PROGRESS: {PlanStatus.CLOSED},
    PlanStatus.CLOSED: set(),
    PlanStatus.CANCELLED: set(),
}


class Plan(StationOwned):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    distribute_on = models.DateField(
        _("distribution date"),
        help_text=_("Lots that expire before this day and gifts to be used before it are left out."))
    communities = models.ManyToManyField("communities.Community", verbose_name=_("only in"), blank=True,
                                         related_name="+",
                                         help_text=_("Leave empty for every community of the station."))
    whole_allowances = models.BooleanField(
        _("whole allowances only"), default=True,
        help_text=_("A recipient gets an allowance in full or not at all (no part-filled lines)."))
    # Figures of the last generation: recipients, asked, given, objective,
    # seconds, shortfalls by reason.
    generation = models.JSONField(_("generation"), default=dict, blank=True, editable=False)
    generated_on = models.DateTimeField(_("generated on"), null=True, blank=True, editable=False)
    approved_on = models.DateTimeField(_("approved on"), null=True, blank=True, editable=False)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approved by"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    closed_on = models.DateTimeField(_("closed on"), null=True, blank=True, editable=False)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("closed by"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    status_reason = models.CharField(_("reason"), max_length=300, blank=True)

    history = HistoricalRecords(m2m_fields=[communities])

    class Meta:
        verbose_name = _("distribution plan")
        verbose_name_plural = _("distribution plans")
        ordering = ["-created_on", "-id"]
        indexes = [models.Index(fields=["station", "status"], name="plan_station_status")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_draft(self) -> bool:
        return self.status == PlanStatus.DRAFT

    @property
    def is_live(self) -> bool:
        """Approved or in progress: stock and money are reserved, hand-overs can be recorded."""
        return self.status in (PlanStatus.APPROVED, PlanStatus.IN_PROGRESS)


class PlanSource(models.Model):
    """A lot or a fund account the plan may draw on, and how much of it
    (``quantity`` units of a lot, ``amount`` yuan of an account; empty: all
    that is available when the plan is generated)."""

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="sources")
    lot = models.ForeignKey("inventory.Lot", verbose_name=_("lot"), null=True, blank=True, on_delete=models.PROTECT,
                            related_name="+")
    fund_account = models.ForeignKey("fund.FundAccount", verbose_name=_("fund account"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("at most (units)"), null=True, blank=True)
    amount = models.DecimalField(_("at most (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("plan source")
        verbose_name_plural = _("plan sources")
        ordering = ["plan", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(lot__isnull=False, fund_account__isnull=True, amount__isnull=True)
                           | models.Q(lot__isnull=True, fund_account__isnull=False, quantity__isnull=True)),
                name="plansource_lot_or_account"),
            models.UniqueConstraint("plan", "lot", name="plansource_lot_once"),
            models.UniqueConstraint("plan", "fund_account", name="plansource_account_once"),
        ]

    def __str__(self) -> str:
        return str(self.lot or self.fund_account)


class PlanTier(models.Model):
    """A priority tier: its households are served strictly before those of
    later tiers. A household belongs to the first tier it qualifies for: one
    of its live residents has one of the tier's tags, or it was chosen."""

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="tiers")
    rank = models.PositiveSmallIntegerField(_("tier"))
    tags = models.ManyToManyField("people.VulnerabilityTag", verbose_name=_("groups"), blank=True, related_name="+")
    households = models.ManyToManyField("people.Household", verbose_name=_("chosen households"), blank=True,
                                        related_name="+")

    class Meta:
        verbose_name = _("priority tier")
        verbose_name_plural = _("priority tiers")
        ordering = ["plan", "rank"]
        constraints = [
            models.UniqueConstraint("plan", "rank", name="plantier_rank_once"),
            models.CheckConstraint(condition=models.Q(rank__gte=1), name="plantier_rank_positive"),
        ]

    def __str__(self) -> str:
        return f"{_('tier')} {self.rank}"


class AllowanceBasis(models.TextChoices):
    PERSON = "person", _("per person")
    HOUSEHOLD = "household", _("per household")


class Allowance(models.Model):
    """What one recipient gets: ``quantity`` units of ``item``, or ``amount``
    yuan (``item`` empty), per person or per household. With ``tag``, only
    households with such a resident get it, and per person counts only them
    ("protective clothing per frontline worker")."""

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="allowances")
    item = models.ForeignKey("inventory.Item", verbose_name=_("item"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+", help_text=_("Leave empty for money."))
    quantity = models.PositiveIntegerField(_("quantity"), null=True, blank=True)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True)
    basis = models.CharField(_("per"), max_length=10, choices=AllowanceBasis.choices,
                             default=AllowanceBasis.HOUSEHOLD)
    tag = models.ForeignKey("people.VulnerabilityTag", verbose_name=_("only for"), null=True, blank=True,
                            on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("allowance")
        verbose_name_plural = _("allowances")
        ordering = ["plan", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(item__isnull=False, quantity__gte=1, amount__isnull=True)
                           | models.Q(item__isnull=True, quantity__isnull=True, amount__gt=0)),
                name="allowance_item_or_money"),
        ]

    def __str__(self) -> str:
        what = f"{self.item} × {self.quantity}" if self.item_id else f"¥{self.amount}"
        return f"{what} {self.get_basis_display()}"

    @property
    def is_money(self) -> bool:
        return self.item_id is None


class LineStatus(models.TextChoices):
    PLANNED = "planned", _("to hand over")
    HANDED_OVER = "handed_over", _("handed over")
    NOT_COLLECTED = "not_collected", _("not collected")
    REMOVED = "removed", _("removed")


class PlanLine(models.Model):
    """One recipient household: a row on the sign-off sheet. ``token`` is the
    unguessable part of the row's QR code."""

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="lines")
    household = models.ForeignKey("people.Household", verbose_name=_("household"), on_delete=models.PROTECT,
                                  related_name="+")
    # Copied from the household when the line is made, so sheets, reports and
    # the public page group by where the household was then.
    community = models.ForeignKey("communities.Community", verbose_name=_("community"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey("communities.Grid", verbose_name=_("grid"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    tier = models.PositiveSmallIntegerField(_("tier"))
    # The group it qualified by (the tier's first tag a resident has); empty
    # for a chosen household.
    group = models.ForeignKey("people.VulnerabilityTag", verbose_name=_("group"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    persons = models.PositiveSmallIntegerField(_("persons"), default=1)
    status = models.CharField(_("status"), max_length=14, choices=LineStatus.choices, default=LineStatus.PLANNED)
    # Why it was changed by hand before approval (empty if as generated).
    edit_reason = models.CharField(_("why changed"), max_length=300, blank=True)
    token = models.CharField(max_length=43, unique=True, default=new_token, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("plan line")
        verbose_name_plural = _("plan lines")
        ordering = ["plan", "grid", "id"]
        indexes = [models.Index(fields=["plan", "status"], name="planline_plan_status"),
                   models.Index(fields=["plan", "grid", "id"], name="planline_plan_grid")]
        constraints = [models.UniqueConstraint("plan", "household", name="planline_household_once")]

    def __str__(self) -> str:
        return f"{self.plan} · {_('line')} #{self.pk}"


class PlanPortion(models.Model):
    """How much of one source goes to one line for one allowance: units of a
    lot or yuan of a fund account."""

    line = models.ForeignKey(PlanLine, verbose_name=_("line"), on_delete=models.PROTECT, related_name="portions")
    allowance = models.ForeignKey(Allowance, verbose_name=_("allowance"), on_delete=models.PROTECT,
                                  related_name="+")
    lot = models.ForeignKey("inventory.Lot", verbose_name=_("lot"), null=True, blank=True, on_delete=models.PROTECT,
                            related_name="+")
    fund_account = models.ForeignKey("fund.FundAccount", verbose_name=_("fund account"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"), null=True, blank=True)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("plan portion")
        verbose_name_plural = _("plan portions")
        ordering = ["line", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(lot__isnull=False, fund_account__isnull=True, quantity__gte=1,
                                    amount__isnull=True)
                           | models.Q(lot__isnull=True, fund_account__isnull=False, quantity__isnull=True,
                                      amount__gt=0)),
                name="planportion_lot_or_money"),
        ]

    def __str__(self) -> str:
        return f"{self.lot} × {self.quantity}" if self.lot_id else f"{self.fund_account} ¥{self.amount}"


class ShortfallReason(models.TextChoices):
    NO_SOURCE = "no_category", _("no source holds this item or money")
    NOT_ELIGIBLE = "not_eligible", _("the donors' restrictions exclude this household")
    NONE_LEFT = "none_left", _("none left: it went to households in earlier tiers")
    PART_ONLY = "part_only", _("only part was left, and the plan gives whole allowances only")


class PlanShortfall(models.Model):
    """What a household in the plan's groups was due and did not get, and why."""

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="shortfalls")
    household = models.ForeignKey("people.Household", verbose_name=_("household"), on_delete=models.PROTECT,
                                  related_name="+", db_constraint=False)
    allowance = models.ForeignKey(Allowance, verbose_name=_("allowance"), on_delete=models.PROTECT,
                                  related_name="+")
    tier = models.PositiveSmallIntegerField(_("tier"))
    quantity = models.PositiveIntegerField(_("quantity short"), null=True, blank=True)
    amount = models.DecimalField(_("amount short (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=14, choices=ShortfallReason.choices)

    class Meta:
        verbose_name = _("shortfall")
        verbose_name_plural = _("shortfalls")
        ordering = ["plan", "tier", "id"]

    def __str__(self) -> str:
        return f"{self.plan} · {self.get_reason_display()}"


class HandoverMethod(models.TextChoices):
    SHEET = "sheet", _("signed sheet")
    QR = "qr", _("QR code page")
    BULK = "bulk", _("recorded in bulk")


class Handover(models.Model):
    """A line handed over: who collected it, when, recorded how and by whom
    (a member of staff, or a volunteer through a hand-over pass)."""

    line = models.OneToOneField(PlanLine, verbose_name=_("line"), on_delete=models.PROTECT, related_name="handover")
    handed_over_on = models.DateTimeField(_("handed over on"))
    # Empty: the household's own resident collected it. Otherwise who did
    # ("neighbour Wang, for her"); kept off reports and public pages.
    collected_by = models.CharField(_("collected by"), max_length=100, blank=True)
    method = models.CharField(_("recorded how"), max_length=6, choices=HandoverMethod.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    handover_pass = models.ForeignKey("HandoverPass", verbose_name=_("hand-over pass"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="handovers")
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("hand-over")
        verbose_name_plural = _("hand-overs")
        ordering = ["handed_over_on", "id"]

    def __str__(self) -> str:
        return f"{self.line} ✓"


class HandoverPass(StationOwned):
    """A volunteer's short-lived permission to record hand-overs of one plan
    from a phone, without an account. Only a digest of the secret is kept;
    the link with the secret is shown once."""

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="passes")
    volunteer_name = models.CharField(_("volunteer"), max_length=100)
    secret_digest = models.CharField(max_length=64, unique=True, editable=False)
    expires_on = models.DateTimeField(_("valid until"))
    revoked_on = models.DateTimeField(_("revoked on"), null=True, blank=True)

    class Meta:
        verbose_name = _("hand-over pass")
        verbose_name_plural = _("hand-over passes")
        ordering = ["-created_on", "-id"]

    def __str__(self) -> str:
        return self.volunteer_name


class SurplusKind(models.TextChoices):
    COMMEND = "commend", _("commend volunteers")
    ONLINE = "online", _("give away through an online activity")
    TRANSFER = "transfer", _("transfer to another store or station")
    KEEP = "keep", _("keep in store")


class SurplusDecision(StationOwned):
    """What happens to what a closed plan left in one lot."""

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="surplus")
    lot = models.ForeignKey("inventory.Lot", verbose_name=_("lot"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("decision"), max_length=10, choices=SurplusKind.choices)
    quantity = models.PositiveIntegerField(_("quantity"))
    to_store = models.ForeignKey("inventory.Store", verbose_name=_("to store"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    to_station = models.ForeignKey("accounts.Station", verbose_name=_("to station"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    activity = models.CharField(_("activity"), max_length=300, blank=True,
                                help_text=_("The online activity: its name and where it is announced."))
    reason = models.CharField(_("why"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("surplus decision")
        verbose_name_plural = _("surplus decisions")
        ordering = ["plan", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(quantity__gte=1), name="surplus_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.lot} × {self.quantity}"


class SurplusAward(models.Model):
    """Items awarded to one named volunteer under a commendation."""

    decision = models.ForeignKey(SurplusDecision, verbose_name=_("decision"), on_delete=models.PROTECT,
                                 related_name="awards")
    resident = models.ForeignKey("people.Resident", verbose_name=_("volunteer (resident)"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("volunteer"), max_length=100, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        ordering = ["decision", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="surplusaward_quantity_positive"),
            models.CheckConstraint(condition=models.Q(resident__isnull=False) | ~models.Q(name=""),
                                   name="surplusaward_names_someone"),
        ]

    def __str__(self) -> str:
        return f"{self.name or self.resident} × {self.quantity}"
