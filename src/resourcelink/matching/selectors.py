"""Reads of matching: suggestions for one need, allocation runs with their
lines and unmet needs (reasons worded in the reader's language), and the gap
report (what is still wanted, by category and grid).

Every read has a fixed number of queries, however many rows it returns.
"""

from __future__ import annotations

import gc
import math
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db import connections
from django.db.models import (
    Count,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from resourcelink.accounts.models import Station
from resourcelink.core.privacy import mask_name

from . import engine
from .models import AllocationLine, AllocationRun, AllocationUnmet, CategoryFit, UnmetReason

FIT_ORDER = {CategoryFit.SAME: 0, CategoryFit.NARROWER: 1, CategoryFit.BROADER: 2}


def _category_name(zh: str, en: str) -> str:
    if (translation.get_language() or "").lower().startswith("zh"):
        return zh or en
    return en or zh


def word_distance(km: float | None) -> str:
    if km is None:
        return _("distance unknown")
    return _("%(km)s km away") % {"km": f"{km:.1f}"}


def word_suggestion_reason(code: str, params: dict, row: dict, tag_names: dict[int, str] | None = None) -> str:
    """One reason code of ``engine.suggest`` in words (``tag_names``: the
    household's vulnerabilities by id, for the eligibility reason)."""
    if code == "fit":
        return str(CategoryFit(params["fit"]).label)
    if code == "distance":
        return word_distance(params.get("km"))
    if code == "distance_unknown":
        return word_distance(None)
    if code == "capacity":
        if row.get("quantity") is not None:
            return _("%(left)s left of %(total)s") % {"left": params["left"], "total": row["quantity"]}
        return _("%(left)s left") % {"left": params["left"]}
    if code == "capacity_unknown":
        return _("capacity not recorded")
    if code == "verified":
        days = params["days"]
        if days == 0:
            return _("verified today")
        return ngettext("verified %(days)d day ago", "verified %(days)d days ago", days) % {"days": days}
    if code == "never_verified":
        return _("never verified")
    if code == "outcomes":
        return _("%(delivered)s delivered, %(failed)s failed here") % params
    if code == "eligible":
        names = tag_names or {}
        return _("for %(tags)s: this household qualifies") % {
            "tags": ", ".join(names.get(t, str(t)) for t in params["tags"])}
    return code


# --- suggestions -----------------------------------------------------------------


def _cursor_rows(qs: QuerySet) -> list[tuple]:
    """The rows of a ``values_list`` queryset as the database driver gives
    them, without Django's converters run on every value of every row (a
    float cast and a date parsed: 30 ms for the 7,000 candidates of a broad
    need). Dates may come as ISO text (SQLite)."""
    sql, params = qs.query.get_compiler(using=qs.db).as_sql()
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@contextmanager
def _collector_paused():
    """Python's cyclic garbage collector off for a moment (unless it already was).

    Suggestions for a broad need hold some 20,000 small objects at once
    (candidate rows); while they live, each 700 allocations run a young
    collection that promotes them, and every few such requests the
    promoted pile sets off a full collection of the whole process: 50-75 ms
    added to one request in ten. Everything made inside is freed by
    reference counting when the work returns, so nothing is left to
    collect."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def suggestions_for_need(need, *, limit: int = 10) -> list[dict]:
    """The best resources for one need, best first (see ``_suggestions``)."""
    with _collector_paused():
        return _suggestions(need, limit=limit)


def _suggestions(need, *, limit: int = 10) -> list[dict]:
    """The best resources for one need, best first, each a dict with the
    resource's row, its category fit, distance, capacity and worded reasons.

    Candidates are the station's active resources in the need's category,
    a category under it or one above it; those the household is not eligible
    for and those with nothing left (quantity minus committed links) are
    left out. At most seven queries, whatever the number of resources.
    """
    from resourcelink.directory.models import Resource, ResourceStatus
    from resourcelink.needs.models import LINK_STATUSES_COMMITTED, Link, LinkStatus
    from resourcelink.needs.selectors import committed_by_need
    from resourcelink.people.models import Resident
    from resourcelink.taxonomy.models import Category

    category = need.category
    household = need.household
    path = category.path
    parts = [p for p in path.split("/") if p]
    ancestor_paths = ["/".join(parts[:i]) + "/" for i in range(1, len(parts))]
    # 1. The categories that fit: the subtree and the ancestors.
    fits: dict[int, str] = {}
    for pk, cpath in Category.objects.filter(
        Q(path__startswith=path) | Q(path__in=ancestor_paths), station_id=need.station_id,
    ).values_list("pk", "path"):
        fits[pk] = CategoryFit.SAME if cpath == path else (
            CategoryFit.NARROWER if cpath.startswith(path) else CategoryFit.BROADER)
    if not fits:
        return []
    through = Resource.categories.through
    # 2. The candidates (one row per resource and fitting category). Plain
    # tuples and floats: this loop runs over thousands of rows per request.
    rank_of = {pk: FIT_ORDER[fit] for pk, fit in fits.items()}
    rows: dict[int, list] = {}
    dates: dict = {}  # the few distinct verification dates, read once each
    for rid, cat_id, lat, lon, quantity, verified in _cursor_rows(through.objects.filter(
        category_id__in=list(fits), resource__station_id=need.station_id, resource__status=ResourceStatus.ACTIVE,
    ).annotate(quantity_f=Cast("resource__quantity", FloatField())).values_list(
        "resource_id", "category_id", "resource__latitude", "resource__longitude", "quantity_f",
        "resource__last_verified_on").order_by()):
        rank = rank_of[cat_id]
        row = rows.get(rid)
        if row is None:
            if verified is not None and not isinstance(verified, date):
                verified = dates.get(verified) or dates.setdefault(verified, date.fromisoformat(str(verified)))
            rows[rid] = [rank, lat, lon, None if quantity is None else math.floor(quantity), verified]
        elif rank < row[0]:
            row[0] = rank
    if not rows:
        return []
    # The same candidates as a subquery: an id list of thousands costs Django
    # more to build than the database to run this.
    ids = through.objects.filter(
        category_id__in=list(fits), resource__station_id=need.station_id, resource__status=ResourceStatus.ACTIVE,
    ).values("resource_id")
    # 3. Eligibility: the resources that are only for some vulnerabilities,
    # 4. and the household's vulnerabilities.
    only_for: dict[int, set[int]] = defaultdict(set)
    # (Few resources have such tags: starting from that small table is cheaper than an id list.)
    for rid, tag_id in Resource.eligible_tags.through.objects.filter(
        resource__station_id=need.station_id, resource__status=ResourceStatus.ACTIVE,
        resource__categories__in=list(fits),
    ).values_list("resource_id", "vulnerabilitytag_id"):
        only_for[rid].add(tag_id)
    household_tags: set[int] = set()
    tag_names: dict[int, str] = {}  # for the eligibility reason
    if only_for:
        for tag_id, name_zh, name_en in Resident.tags.through.objects.filter(
            resident__household_id=household.pk, resident__archived_on__isnull=True,
            resident__merged_into__isnull=True,
        ).values_list("vulnerabilitytag_id", "vulnerabilitytag__name_zh_hans", "vulnerabilitytag__name_en"):
            household_tags.add(tag_id)
            tag_names[tag_id] = _category_name(name_zh, name_en)
    # 5. Capacity held by live links, and past outcomes, per resource.
    committed: dict[int, int] = defaultdict(int)
    delivered: dict[int, int] = defaultdict(int)
    failed: dict[int, int] = defaultdict(int)
    for rid, status, qty, n in (
        Link.objects.filter(resource_id__in=ids, status__in=[*LINK_STATUSES_COMMITTED, LinkStatus.FAILED])
        .values_list("resource_id", "status").annotate(q=Sum("quantity"), n=Count("id")).order_by()
    ):
        if status in LINK_STATUSES_COMMITTED:
            committed[rid] += qty or 0
        if status == LinkStatus.DELIVERED:
            delivered[rid] += n
        elif status == LinkStatus.FAILED:
            failed[rid] += n
    # 6. What the need still wants.
    need_committed = committed_by_need(need_ids=[need.pk]).get(need.pk, 0)
    need_left = max(need.quantity - need_committed, 0)

    today = timezone.localdate()
    h_lat, h_lon = household.latitude, household.longitude
    located = h_lat is not None and h_lon is not None
    # Equirectangular distance: exact to well under 1% within a district,
    # and a few arithmetic operations per candidate.
    kx = engine.EARTH_RADIUS_KM * math.radians(1) * math.cos(math.radians(h_lat)) if located else 0.0
    ky = engine.EARTH_RADIUS_KM * math.radians(1)
    fit_names = [CategoryFit.SAME.value, CategoryFit.NARROWER.value, CategoryFit.BROADER.value]
    candidates = []
    Candidate = engine.Candidate
    for rid, (rank, lat, lon, quantity, verified) in rows.items():
        tags = only_for.get(rid)
        if tags and not (tags & household_tags):
            continue
        left = None if quantity is None else max(quantity - committed.get(rid, 0), 0)
        if left == 0:
            continue
        km = (math.hypot((lon - h_lon) * kx, (lat - h_lat) * ky)
              if located and lat is not None and lon is not None else None)
        candidates.append(Candidate(
            rid, fit_names[rank], km, left, True, None if verified is None else (today - verified).days,
            delivered.get(rid, 0), failed.get(rid, 0), frozenset(tags & household_tags) if tags else frozenset()))
    demand = engine.Demand(id=need.pk, category=need.category_id, quantity=max(need_left, 1),
                           household=household.pk, urgency=need.urgency,
                           lat=household.latitude, lon=household.longitude)
    by_id = {c.id: c for c in candidates}
    chosen = engine.suggest(demand, candidates, limit=limit)
    # 7. Names of the few chosen.
    names = {pk: (name, unit) for pk, name, unit in Resource.objects.filter(
        pk__in=[s_.id for s_ in chosen]).values_list("pk", "name", "unit")} if chosen else {}
    result = []
    for s_ in chosen:
        c = by_id[s_.id]
        name, unit = names[s_.id]
        row = {"id": s_.id, "name": name, "unit": unit, "fit": c.fit, "fit_label": CategoryFit(c.fit).label,
               "km": c.distance_km, "quantity": rows[s_.id][3], "left": c.capacity_left,
               "verified_on": rows[s_.id][4], "days": c.days_since_verified, "delivered": c.delivered,
               "failed": c.failed, "score": s_.score}
        row["reasons"] = [word_suggestion_reason(code, params, row, tag_names) for code, params in s_.reasons]
        row["default_quantity"] = max(1, min(need_left, c.capacity_left) if c.capacity_left is not None
                                      else need_left)
        result.append(row)
    return result


# --- runs ------------------------------------------------------------------------


def runs_for_station(station: Station | int) -> QuerySet[AllocationRun]:
    return AllocationRun.objects.filter(station=station).select_related("created_by", "accepted_by").order_by(
        "-created_on", "-id")


def get_run_for_user(user, pk, *, roles=None) -> AllocationRun:
    from resourcelink.accounts.access import get_scoped_object

    return get_scoped_object(user, AllocationRun.objects.select_related("station", "created_by", "accepted_by"),
                             pk, roles=roles)


def _household_tags(household_ids) -> dict[int, list[str]]:
    from resourcelink.people.models import Resident

    names: dict[int, set[str]] = defaultdict(set)
    zh = (translation.get_language() or "").lower().startswith("zh")
    for hid, name_zh, name_en in Resident.tags.through.objects.filter(
        resident__household_id__in=list(household_ids), resident__archived_on__isnull=True,
        resident__merged_into__isnull=True,
    ).values_list("resident__household_id", "vulnerabilitytag__name_zh_hans", "vulnerabilitytag__name_en"):
        names[hid].add((name_zh or name_en) if zh else (name_en or name_zh))
    return {hid: sorted(v) for hid, v in names.items()}


def _tier_reason(run: AllocationRun, tier: int, urgency_label: str) -> str:
    tiers = (run.parameters.get("policy") or {}).get("tiers", "none")
    if tiers == "urgency":
        return _("tier %(tier)s: %(urgency)s urgency") % {"tier": tier, "urgency": urgency_label}
    if tiers == "tags":
        if tier == 1:
            return _("tier 1: a priority vulnerability; %(urgency)s urgency") % {"urgency": urgency_label}
        return _("tier %(tier)s; %(urgency)s urgency") % {"tier": tier, "urgency": urgency_label}
    return _("%(urgency)s urgency") % {"urgency": urgency_label}


def _need_fields():
    return ("need__id", "need__quantity", "need__unit", "need__urgency", "need__category__name_zh_hans",
            "need__category__name_en", "need__household__id", "need__household__name", "need__community_id")


def run_lines(run: AllocationRun, page=None, *, personal: bool = True, per_page: int | None = None) -> Page:
    """One page of a run's lines, each with its worded reasons (tier and
    urgency, vulnerability, category fit, distance). ``personal``: show the
    masked household name and its vulnerabilities (not to viewers)."""
    from resourcelink.needs.models import Urgency

    qs = (AllocationLine.objects.filter(run=run).select_related("need__category", "need__household", "resource")
          .only("id", "run_id", "quantity", "fit", "distance_m", "tier", "weight", "link_id", "resource__id",
                "resource__name", "resource__unit", *_need_fields()).order_by("tier", "-weight", "need_id", "id"))
    page_obj = Paginator(qs, per_page or settings.RL_PAGE_SIZE).get_page(page)
    lines = list(page_obj.object_list)
    tags = _household_tags({line.need.household_id for line in lines}) if personal else {}
    rows = []
    for line in lines:
        need = line.need
        urgency = Urgency(need.urgency).label
        km = None if line.distance_m is None else line.distance_m / 1000
        reasons = [_tier_reason(run, line.tier, urgency)]
        if personal and tags.get(need.household_id):
            reasons.append(_("vulnerable: %(tags)s") % {"tags": ", ".join(tags[need.household_id])})
        reasons += [str(CategoryFit(line.fit).label), word_distance(km)]
        rows.append({
            "line": line, "need": need, "resource": line.resource,
            "category": _category_name(need.category.name_zh_hans, need.category.name_en),
            "urgency": urgency,
            "household": mask_name(need.household.name) if personal else "",
            "reasons": reasons,
        })
    page_obj.object_list = rows
    return page_obj


def run_unmet(run: AllocationRun, page=None, *, personal: bool = True, per_page: int | None = None) -> Page:
    """One page of the needs a run leaves unmet, each with its worded reason."""
    from resourcelink.needs.models import Urgency

    qs = (AllocationUnmet.objects.filter(run=run).select_related("need__category", "need__household")
          .only("id", "run_id", "quantity", "reason", "tier", *_need_fields()).order_by("tier", "need_id", "id"))
    page_obj = Paginator(qs, per_page or settings.RL_PAGE_SIZE).get_page(page)
    rows = []
    for unmet in page_obj.object_list:
        need = unmet.need
        rows.append({
            "unmet": unmet, "need": need,
            "category": _category_name(need.category.name_zh_hans, need.category.name_en),
            "urgency": Urgency(need.urgency).label,
            "household": mask_name(need.household.name) if personal else "",
            "reason": UnmetReason(unmet.reason).label,
        })
    page_obj.object_list = rows
    return page_obj


def run_unmet_by_reason(run: AllocationRun) -> list[dict]:
    counts = dict(AllocationUnmet.objects.filter(run=run).values_list("reason").annotate(n=Count("id"))
                  .order_by())
    return [{"reason": r.label, "code": r.value, "count": counts[r.value]} for r in UnmetReason if r.value in counts]


# --- gap report --------------------------------------------------------------------


@dataclass
class GapFilter:
    community_id: int | None = None
    urgencies: list[str] = field(default_factory=list)
    top_category_id: int | None = None


def gap_queryset(station: Station | int, filters: GapFilter | None = None):
    """Needs still wanting something, with ``left`` = quantity − committed."""
    from resourcelink.needs.models import LINK_STATUSES_COMMITTED, NEED_STATUSES_WANTING, Link, Need
    from resourcelink.taxonomy.models import Category

    f = filters or GapFilter()
    committed = (Link.objects.filter(need_id=OuterRef("pk"), status__in=LINK_STATUSES_COMMITTED)
                 .values("need_id").annotate(q=Sum("quantity")).values("q"))
    qs = Need.objects.filter(station=station, status__in=NEED_STATUSES_WANTING, archived_on__isnull=True)
    if f.community_id:
        qs = qs.filter(community_id=f.community_id)
    if f.urgencies:
        qs = qs.filter(urgency__in=f.urgencies)
    if f.top_category_id:
        top = Category.objects.filter(station=station, pk=f.top_category_id).values_list("path", flat=True).first()
        qs = qs.filter(category__path__startswith=top or "\x00")
    return qs.annotate(
        committed=Coalesce(Subquery(committed, output_field=IntegerField()), Value(0)),
        left=F("quantity") - F("committed"),
    ).filter(left__gt=0)


def gap_report(station: Station | int, filters: GapFilter | None = None) -> dict:
    """Unmet quantity by category × grid, summed in the database: the list
    mobilisation works from. Returns the cells, the row (category) and
    column (grid) heads with their totals, and a matrix for the heat map."""
    from resourcelink.communities.models import Grid
    from resourcelink.taxonomy.models import Category

    cells = list(
        gap_queryset(station, filters).values("category_id", "grid_id")
        .annotate(quantity=Sum("left"), needs=Count("id")).order_by("category_id", "grid_id")
    )
    cat_ids = {c["category_id"] for c in cells}
    grid_ids = {c["grid_id"] for c in cells if c["grid_id"] is not None}
    categories = {pk: {"id": pk, "path": p, "name": _category_name(zh, en)} for pk, p, zh, en in
                  Category.objects.filter(pk__in=cat_ids).values_list("pk", "path", "name_zh_hans", "name_en")}
    grids = {pk: {"id": pk, "name": name, "community": community} for pk, name, community in
             Grid.objects.filter(pk__in=grid_ids).values_list("pk", "name", "community__name")}
    cat_order = sorted(categories.values(), key=lambda c: c["path"])
    grid_order = sorted(grids.values(), key=lambda g: (g["community"], g["name"], g["id"]))
    if any(c["grid_id"] is None for c in cells):
        grid_order.append({"id": None, "name": _("no grid"), "community": ""})
    value = {(c["category_id"], c["grid_id"]): c for c in cells}
    top = max((c["quantity"] for c in cells), default=0)
    matrix = []
    for cat in cat_order:
        row_cells = []
        for grid in grid_order:
            cell = value.get((cat["id"], grid["id"]))
            q = cell["quantity"] if cell else 0
            row_cells.append({"quantity": q, "needs": cell["needs"] if cell else 0,
                              "intensity": _intensity(q, top)})
        matrix.append({"category": cat, "cells": row_cells, "total": sum(c["quantity"] for c in row_cells)})
    column_totals = [sum(r["cells"][i]["quantity"] for r in matrix) for i in range(len(grid_order))]
    rows = [{"category": categories[c["category_id"]]["name"],
             "community": grids[c["grid_id"]]["community"] if c["grid_id"] else "",
             "grid": grids[c["grid_id"]]["name"] if c["grid_id"] else _("no grid"),
             "quantity": c["quantity"], "needs": c["needs"]}
            for c in sorted(cells, key=lambda c: (-c["quantity"], categories[c["category_id"]]["path"]))]
    return {"rows": rows, "grids": grid_order, "matrix": matrix, "column_totals": column_totals,
            "total": sum(column_totals), "needs": sum(c["needs"] for c in cells), "max": top}


def _intensity(quantity: int, top: int) -> float:
    """0..1 on a square-root scale, so a few big cells do not wash out the rest."""
    if not quantity or not top:
        return 0.0
    return round(math.sqrt(quantity / top), 3)
