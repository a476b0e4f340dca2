"""Needs, and the links that join a need to a resource that meets it.

Statuses move only through the transitions in `NEED_TRANSITIONS` and
`LINK_TRANSITIONS`; every move writes a `StatusChange` (who, when, why), so
a need's story can be told without reading history tables.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from resourcelink.core.models import Archivable, StationOwned


class Urgency(models.TextChoices):
    CRITICAL = "critical", _("critical")
    HIGH = "high", _("high")
    NORMAL = "normal", _("normal")
    LOW = "low", _("low")


URGENCY_DEFINITIONS = {
    Urgency.CRITICAL: _("Life, health or safety is at risk today: act within hours."),
    Urgency.HIGH: _("Hardship within days if nothing is done: act within two days."),
    Urgency.NORMAL: _("A real need that can wait a week."),
    Urgency.LOW: _("Would help; no harm if it waits."),
}

# Order for lists ("most urgent first") and the engine's default weights.
URGENCY_RANK = {Urgency.CRITICAL: 0, Urgency.HIGH: 1, Urgency.NORMAL: 2, Urgency.LOW: 3}


class NeedSource(models.TextChoices):
    HOME_VISIT = "home_visit", _("home visit")
    HOTLINE = "hotline", _("hotline")
    CHAT_GROUP = "chat_group", _("chat group")
    WALK_IN = "walk_in", _("walk-in")
    REFERRAL = "referral", _("referral")
    SELF_REPORT = "self_report", _("self-report")


class NeedStatus(models.TextChoices):
    OPEN = "open", _("open")
    LINKED = "linked", _("linked")
    MET = "met", _("met")
    PARTLY_MET = "partly_met", _("partly met")
    UNMET = "unmet", _("cannot be met")
    MOBILISED = "mobilised", _("mobilised")
    CANCELLED = "cancelled", _("cancelled")


NEED_TRANSITIONS: dict[str, set[str]] = {
    NeedStatus.OPEN: {NeedStatus.LINKED, NeedStatus.UNMET, NeedStatus.CANCELLED},
    NeedStatus.LINKED: {NeedStatus.MET, NeedStatus.PARTLY_MET, NeedStatus.UNMET, NeedStatus.OPEN,
                        NeedStatus.CANCELLED},
    NeedStatus.PARTLY_MET: {NeedStatus.LINKED, NeedStatus.MET, NeedStatus.MOBILISED, NeedStatus.CANCELLED},
    NeedStatus.UNMET: {NeedStatus.MOBILISED, NeedStatus.LINKED, NeedStatus.CANCELLED},
    NeedStatus.MOBILISED: {NeedStatus.LINKED, NeedStatus.MET, NeedStatus.PARTLY_MET, NeedStatus.CANCELLED},
    NeedStatus.MET: set(),
    NeedStatus.CANCELLED: set(),
}

# Needs that still want something: lists, allocation and the gap report use these.
NEED_STATUSES_WANTING = (NeedStatus.OPEN, NeedStatus.LINKED, NeedStatus.PARTLY_MET, NeedStatus.UNMET,
                         NeedStatus.MOBILISED)


class Need(StationOwned, Archivable):
    """What a household (or one resident in it) needs, how much and how urgently.

    `community` and `grid` are copied from the household when the need is
    recorded (and when the household moves) so lists, allocation and the gap
    report filter by area without a join.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    household = models.ForeignKey("people.Household", verbose_name=_("household"), on_delete=models.PROTECT,
                                  related_name="needs")
    resident = models.ForeignKey("people.Resident", verbose_name=_("resident"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="needs")
    category = models.ForeignKey("taxonomy.Category", verbose_name=_("category"), on_delete=models.PROTECT,
                                 related_name="+")
    description = models.TextField(_("description"), blank=True)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    unit = models.CharField(_("unit"), max_length=30, blank=True)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    due_on = models.DateField(_("due by"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=12, choices=NeedSource.choices, default=NeedSource.HOME_VISIT)
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("social worker"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=12, choices=NeedStatus.choices, default=NeedStatus.OPEN)
    status_changed_on = models.DateTimeField(_("status changed on"), null=True, blank=True)
    first_linked_on = models.DateTimeField(_("first linked on"), null=True, blank=True)
    closed_on = models.DateTimeField(_("closed on"), null=True, blank=True)
    community = models.ForeignKey("communities.Community", verbose_name=_("community"), on_delete=models.PROTECT,
                                  related_name="+")
    grid = models.ForeignKey("communities.Grid", verbose_name=_("grid"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    import_key = models.CharField(max_length=64, editable=False, default="", db_index=True)
    # URGENCY_RANK as a column the database computes, so "most urgent first,
    # then oldest" is an index scan that stops after one page, not a sort of
    # every open need (100,000 in a district).
    urgency_rank = models.GeneratedField(
        expression=models.Case(*[models.When(urgency=u.value, then=models.Value(r)) for u, r in
                                 URGENCY_RANK.items()], default=models.Value(9)),
        output_field=models.PositiveSmallIntegerField(), db_persist=True,
    )

    history = HistoricalRecords(excluded_fields=["urgency_rank"])

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["-created_on", "-id"]
        indexes = [
            # archived_on last: the dashboard's counts and the list's count
            # are answered from the index alone (SQLite: 74 -> 53 ms).
            models.Index(fields=["station", "status", "urgency", "created_on", "archived_on"],
                         name="need_station_status"),
            models.Index(fields=["station", "due_on"], name="need_station_due"),
            models.Index(fields=["station", "category", "status"], name="need_station_category"),
            models.Index(fields=["station", "grid", "status"], name="need_station_grid"),
            models.Index(fields=["station", "assigned_to", "status"], name="need_station_assignee"),
            models.Index(fields=["station", "urgency_rank", "created_on", "id"], name="need_station_rank"),
            models.Index(fields=["station", "first_linked_on"], name="need_station_first_linked"),
        ]
        constraints = [models.CheckConstraint(condition=models.Q(quantity__gte=1), name="need_quantity_positive")]

    def __str__(self) -> str:
        return f"{_('need')} #{self.pk}"


class LinkStatus(models.TextChoices):
    PROPOSED = "proposed", _("proposed")
    CONFIRMED = "confirmed", _("confirmed")
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", _("failed")
    CANCELLED = "cancelled", _("cancelled")


LINK_TRANSITIONS: dict[str, set[str]] = {
    LinkStatus.PROPOSED: {LinkStatus.CONFIRMED, LinkStatus.DELIVERED, LinkStatus.FAILED, LinkStatus.CANCELLED},
    LinkStatus.CONFIRMED: {LinkStatus.DELIVERED, LinkStatus.FAILED, LinkStatus.CANCELLED},
    LinkStatus.DELIVERED: set(),
    LinkStatus.FAILED: set(),
    LinkStatus.CANCELLED: set(),
}

# Links that hold a resource's capacity: it is not offered twice.
LINK_STATUSES_COMMITTED = (LinkStatus.PROPOSED, LinkStatus.CONFIRMED, LinkStatus.DELIVERED)
# Links still under way: they may yet be confirmed, delivered or fail.
LINK_STATUSES_LIVE = (LinkStatus.PROPOSED, LinkStatus.CONFIRMED)


class Link(StationOwned):
    """A need joined to a resource that meets it (or part of it)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    need = models.ForeignKey(Need, verbose_name=_("need"), on_delete=models.PROTECT, related_name="links")
    resource = models.ForeignKey("directory.Resource", verbose_name=_("resource"), on_delete=models.PROTECT,
                                 related_name="links")
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    status = models.CharField(_("status"), max_length=10, choices=LinkStatus.choices, default=LinkStatus.PROPOSED)
    follow_up_on = models.DateField(_("follow up on"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    feedback = models.TextField(_("resident's feedback"), blank=True)
    delivered_on = models.DateTimeField(_("delivered on"), null=True, blank=True)
    allocation_run = models.ForeignKey("matching.AllocationRun", verbose_name=_("allocation"), null=True,
                                       blank=True, on_delete=models.PROTECT, related_name="links")
    # Sharing a resident's details with an outside organisation needs their
    # consent; an admin may override with a recorded reason.
    consent_override_reason = models.CharField(_("consent override reason"), max_length=300, blank=True)
    consent_override_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("consent overridden by"),
                                            null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("link")
        verbose_name_plural = _("links")
        ordering = ["-created_on", "-id"]
        indexes = [
            models.Index(fields=["resource", "status"], name="link_resource_status"),
            models.Index(fields=["station", "status", "follow_up_on"], name="link_station_follow_up"),
        ]
        constraints = [models.CheckConstraint(condition=models.Q(quantity__gte=1), name="link_quantity_positive")]

    def __str__(self) -> str:
        return f"{_('link')} #{self.pk}"


class StatusChange(models.Model):
    """One move of a need's or a link's status. Append-only."""

    station = models.ForeignKey("accounts.Station", on_delete=models.PROTECT, related_name="+")
    need = models.ForeignKey(Need, verbose_name=_("need"), on_delete=models.PROTECT, related_name="status_changes")
    link = models.ForeignKey(Link, verbose_name=_("link"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="status_changes")
    from_status = models.CharField(_("from"), max_length=12, blank=True)
    to_status = models.CharField(_("to"), max_length=12)
    changed_on = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("why"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["changed_on", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"
