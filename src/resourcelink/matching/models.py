"""Allocation runs: a draft assignment of supply to many needs at once.

A run keeps what was asked (`parameters`), what the engine answered (lines
and unmet needs, each with its reason) and what was accepted. Lines are
written in bulk, so they hold codes and numbers; the reasons are worded when
shown, in the reader's language.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from resourcelink.core.models import StationOwned


class AllocationRun(StationOwned):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        ACCEPTED = "accepted", _("accepted")
        PARTLY_ACCEPTED = "partly_accepted", _("partly accepted")
        DISCARDED = "discarded", _("discarded")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    # The need filters, supply filters and policy, as chosen (JSON-safe values).
    parameters = models.JSONField(_("parameters"), default=dict)
    needs_count = models.PositiveIntegerField(_("needs considered"), default=0)
    supply_count = models.PositiveIntegerField(_("supply lines"), default=0)
    pairs_count = models.PositiveIntegerField(_("candidate pairs"), default=0)
    lines_count = models.PositiveIntegerField(_("lines"), default=0)
    unmet_count = models.PositiveIntegerField(_("needs left unmet"), default=0)
    quantity_asked = models.PositiveBigIntegerField(_("quantity asked"), default=0)
    quantity_allocated = models.PositiveBigIntegerField(_("quantity allocated"), default=0)
    objective = models.FloatField(_("objective"), default=0)
    greedy_objective = models.FloatField(_("greedy objective"), null=True, blank=True)
    # Seconds per phase (load, build, solve, write) for the run page and the bench.
    timings = models.JSONField(_("timings"), default=dict)
    accepted_on = models.DateTimeField(_("accepted on"), null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("accepted by"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["-created_on", "-id"]
        indexes = [models.Index(fields=["station", "status"], name="allocation_station_status")]

    def __str__(self) -> str:
        return f"{_('allocation')} #{self.pk}"

    @property
    def accepts_lines(self) -> bool:
        """A draft, or a run partly accepted: its lines not yet linked may still be accepted."""
        return self.status in RUN_STATUSES_ACCEPTING


RUN_STATUSES_ACCEPTING = (AllocationRun.Status.DRAFT, AllocationRun.Status.PARTLY_ACCEPTED)


class CategoryFit(models.TextChoices):
    SAME = "same", _("same category")
    NARROWER = "narrower", _("a narrower category")
    BROADER = "broader", _("a broader category")


class AllocationLine(models.Model):
    """One need served (wholly or partly) by one supply line in a draft."""

    # A district draft writes a hundred thousand lines, read back only by run
    # (the composite index below). So: no single-column indexes, and no
    # database check that each need and resource exists — they were read in
    # the same transaction and are never deleted (PROTECT elsewhere, archive
    # only). This halves the write, which counts in the allocation's time.
    run = models.ForeignKey(AllocationRun, on_delete=models.PROTECT, related_name="lines", db_index=False)
    need = models.ForeignKey("needs.Need", on_delete=models.PROTECT, related_name="+", db_index=False,
                             db_constraint=False)
    resource = models.ForeignKey("directory.Resource", on_delete=models.PROTECT, related_name="+",
                                 db_index=False, db_constraint=False)
    quantity = models.PositiveIntegerField(_("quantity"))
    fit = models.CharField(_("category fit"), max_length=8, choices=CategoryFit.choices, default=CategoryFit.SAME)
    distance_m = models.PositiveIntegerField(_("distance (m)"), null=True, blank=True)
    tier = models.PositiveSmallIntegerField(_("tier"), default=1)
    weight = models.FloatField(_("weight"), default=0)
    link = models.ForeignKey("needs.Link", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             db_index=False)

    class Meta:
        verbose_name = _("allocation line")
        verbose_name_plural = _("allocation lines")
        ordering = ["run_id", "tier", "-weight", "need_id", "resource_id"]
        indexes = [models.Index(fields=["run", "tier", "weight"], name="allocation_line_run_order")]


class UnmetReason(models.TextChoices):
    NO_CATEGORY = "no_category", _("no resource in this category")
    NOT_ELIGIBLE = "not_eligible", _("the household is not eligible for any resource in this category")
    NO_CONSENT = "no_consent", _("no consent to share their details with the organisations that could help")
    TOO_FAR = "too_far", _("every eligible resource is too far away")
    NONE_LEFT = "none_left", _("none left: the supply went to more urgent needs")
    HOUSEHOLD_CAP = "household_cap", _("the household reached its cap")


class AllocationUnmet(models.Model):
    """A need the draft leaves wholly or partly unmet, and why."""

    # Written in bulk like the lines, and for the same reasons without
    # single-column indexes or a database check on the need.
    run = models.ForeignKey(AllocationRun, on_delete=models.PROTECT, related_name="unmet", db_index=False)
    need = models.ForeignKey("needs.Need", on_delete=models.PROTECT, related_name="+", db_index=False,
                             db_constraint=False)
    quantity = models.PositiveIntegerField(_("quantity unmet"))
    reason = models.CharField(_("reason"), max_length=15, choices=UnmetReason.choices)
    tier = models.PositiveSmallIntegerField(_("tier"), default=1)

    class Meta:
        verbose_name = _("unmet need")
        verbose_name_plural = _("unmet needs")
        ordering = ["run_id", "tier", "need_id"]
        indexes = [models.Index(fields=["run", "reason"], name="allocation_unmet_run_reason")]
