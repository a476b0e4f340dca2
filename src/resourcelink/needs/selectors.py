"""Reads of needs and links: filtered lists, committed quantities, follow-ups
and the needs dashboard. Every read is station-scoped, loads what its rows
show up front and aggregates in the database, so a page's query count does
not grow with its rows (or with 100,000 open needs)."""

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.utils import timezone

from resourcelink.accounts.models import Station
from resourcelink.taxonomy.models import Category
from resourcelink.taxonomy.selectors import category_subtree_q

from .models import (
    LINK_STATUSES_COMMITTED,
    LINK_STATUSES_LIVE,
    NEED_STATUSES_WANTING,
    URGENCY_DEFINITIONS,
    URGENCY_RANK,
    Link,
    Need,
    NeedStatus,
    StatusChange,
    Urgency,
)

DASHBOARD_WINDOW_DAYS = 90
# Age buckets of open needs on the dashboard: (key, label, lower bound in days).
AGE_BUCKETS = (("d0", 0), ("d1", 1), ("d3", 3), ("d7", 7), ("d30", 30))


@dataclass
class NeedFilter:
    """Every way a need list can be narrowed. ``status``: "" = still wanting
    (NEED_STATUSES_WANTING), "all" = any, or one NeedStatus value."""

    status: str = ""
    urgency: str = ""
    category: Category | None = None
    community_id: int | None = None
    grid_id: int | None = None
    assigned_to_id: int | None = None
    source: str = ""
    household_id: int | None = None
    due_today: bool = False
    overdue: bool = False
    min_age_days: int | None = None
    max_age_days: int | None = None
    order: str = "urgency"  # urgency | due | -created
    extra: dict = field(default_factory=dict)

    def category_ids(self) -> list[int]:
        if self.category is None:
            return []
        if "category_ids" not in self.extra:
            self.extra["category_ids"] = list(
                Category.objects.filter(category_subtree_q(self.category)).values_list("pk", flat=True))
        return self.extra["category_ids"]


ORDERINGS = {
    # urgency_rank is a generated column, indexed with created_on: an index scan.
    "urgency": ("urgency_rank", "created_on", "id"),
    "due": (F("due_on").asc(nulls_last=True), "urgency_rank", "id"),
    "-created": ("-created_on", "-id"),
}

# What the need list and the API's need rows (api.needs.need_out) read: a
# field left out here is a query per row when a row reads it.
NEED_LIST_FIELDS = (
    "id", "uuid", "station_id", "household_id", "resident_id", "category_id", "description", "quantity", "unit",
    "urgency", "due_on", "source", "status", "created_on", "assigned_to_id", "community_id", "grid_id",
    "first_linked_on", "household__id", "household__name", "category__id", "category__code",
    "category__name_zh_hans", "category__name_en", "category__retired_on", "community__id", "community__code",
    "community__name", "grid__id", "grid__code", "grid__name",
    "assigned_to__id", "assigned_to__username", "assigned_to__first_name", "assigned_to__last_name",
)


def apply_need_filter(qs: QuerySet[Need], f: NeedFilter, *, today: date | None = None) -> QuerySet[Need]:
    today = today or timezone.localdate()
    if f.status == "all":
        pass
    elif f.status:
        qs = qs.filter(status=f.status)
    else:
        qs = qs.filter(status__in=NEED_STATUSES_WANTING)
    if f.urgency:
        qs = qs.filter(urgency=f.urgency)
    if f.category is not None:
        qs = qs.filter(category_id__in=f.category_ids())
    if f.community_id:
        qs = qs.filter(community_id=f.community_id)
    if f.grid_id:
        qs = qs.filter(grid_id=f.grid_id)
    if f.assigned_to_id:
        qs = qs.filter(assigned_to_id=f.assigned_to_id)
    if f.source:
        qs = qs.filter(source=f.source)
    if f.household_id:
        qs = qs.filter(household_id=f.household_id)
    if f.due_today:
        qs = qs.filter(due_on=today)
    if f.overdue:
        qs = qs.filter(due_on__lt=today, status__in=NEED_STATUSES_WANTING)
    now = timezone.now()
    if f.min_age_days is not None:
        qs = qs.filter(created_on__lte=now - timedelta(days=f.min_age_days))
    if f.max_age_days is not None:
        qs = qs.filter(created_on__gt=now - timedelta(days=f.max_age_days))
    return qs


def needs_for_station(station: Station | int, filters: NeedFilter | dict | None = None) -> QuerySet[Need]:
    """The station's (non-archived) needs matching ``filters``, in a stable
    order, with what a list row shows loaded in the same query."""
    if isinstance(filters, dict):
        filters = NeedFilter(**filters)
    f = filters or NeedFilter()
    qs = apply_need_filter(Need.objects.filter(station=station, archived_on__isnull=True), f)
    # Relations prefetched (five queries by primary key, whatever the page),
    # not joined: joined, SQLite starts from the small category table and
    # sorts every open need before it finds one page (0.3 s at 100,000).
    return (qs.order_by(*ORDERINGS.get(f.order, ORDERINGS["urgency"]))
            .only(*[name for name in NEED_LIST_FIELDS if "__" not in name])
            .prefetch_related(*_need_list_prefetches()))


def _need_list_prefetches() -> list[Prefetch]:
    from django.contrib.auth import get_user_model

    from resourcelink.communities.models import Community, Grid
    from resourcelink.people.models import Household

    models = {"household": Household, "category": Category, "community": Community, "grid": Grid,
              "assigned_to": get_user_model()}
    fields: dict[str, list[str]] = {}
    for name in NEED_LIST_FIELDS:
        if "__" in name:
            relation, column = name.split("__", 1)
            fields.setdefault(relation, []).append(column)
    return [Prefetch(relation, queryset=models[relation].objects.only(*columns))
            for relation, columns in fields.items()]


def needs_page(station: Station | int, filters: NeedFilter | dict | None, number, *, per_page: int) -> Page:
    """One page of ``needs_for_station``: its ids first, from the needs table
    alone (an index scan in list order that stops after the page), then the
    rows of those ids with what a row shows. Joined in one query, SQLite
    starts from the small category table and sorts every open need
    (0.3 s at 100,000, 1 s deep in the list)."""
    qs = needs_for_station(station, filters)
    page = Paginator(qs.prefetch_related(None).values_list("pk", flat=True), per_page).get_page(number)
    ids = list(page.object_list)
    by_id = (Need.objects.select_related("household", "category", "community", "grid", "assigned_to")
             .only(*NEED_LIST_FIELDS).in_bulk(ids)) if ids else {}
    page.object_list = [by_id[pk] for pk in ids if pk in by_id]
    return page


def need_detail(user, pk) -> Need:
    """One need for a user (404 outside their stations), with its relations."""
    from resourcelink.accounts.access import get_scoped_object

    return get_scoped_object(
        user, Need.objects.select_related("household", "resident", "category", "community", "grid", "assigned_to",
                                          "station"), pk)


get_need_for_user = need_detail


def get_link_for_user(user, pk, *, roles=None) -> Link:
    from resourcelink.accounts.access import get_scoped_object

    return get_scoped_object(user, Link.objects.select_related("need", "resource"), pk, roles=roles)


def links_of_need(need: Need) -> list[Link]:
    return list(need.links.select_related("resource", "consent_override_by").order_by("created_on", "id"))


def status_changes_of_need(need: Need) -> list[StatusChange]:
    return list(need.status_changes.select_related("changed_by", "link").order_by("changed_on", "id"))


def committed_by_resource(*, station: Station | int, resource_ids=None) -> dict[int, int]:
    """``{resource_id: quantity held by proposed, confirmed and delivered links}``."""
    qs = Link.objects.filter(station=station, status__in=LINK_STATUSES_COMMITTED)
    if resource_ids is not None:
        qs = qs.filter(resource_id__in=list(resource_ids))
    return {rid: n or 0 for rid, n in qs.order_by().values_list("resource_id").annotate(n=Sum("quantity"))}


def committed_by_need(*, need_ids) -> dict[int, int]:
    """``{need_id: quantity held by proposed, confirmed and delivered links}``."""
    qs = Link.objects.filter(need_id__in=list(need_ids), status__in=LINK_STATUSES_COMMITTED)
    return {nid: n or 0 for nid, n in qs.order_by().values_list("need_id").annotate(n=Sum("quantity"))}


def linkable_resources(need: Need, *, limit: int = 200) -> list[tuple[int, str]]:
    """(id, name) of the active resources in the need's category or below,
    for the need page's "link to a resource" picker."""
    from resourcelink.directory.models import Resource, ResourceStatus

    in_subtree = Resource.categories.through.objects.filter(
        category__in=Category.objects.filter(category_subtree_q(need.category))).values("resource_id")
    return list(Resource.objects.filter(station_id=need.station_id, status=ResourceStatus.ACTIVE, pk__in=in_subtree)
                .order_by("name", "id").values_list("pk", "name")[:limit])


def links_for_station(station: Station | int, *, need_id: int | None = None, resource_id: int | None = None,
                      status: str = "", follow_up_by: date | None = None) -> QuerySet[Link]:
    """A station's links, newest first, with their resource's name; filters
    as the API offers them (``follow_up_by``: live links due for a follow-up
    by that day, like ``follow_ups_due``)."""
    qs = Link.objects.filter(station=station).select_related("resource").only(
        *(f.name for f in Link._meta.concrete_fields), "resource__id", "resource__name")
    if need_id:
        qs = qs.filter(need_id=need_id)
    if resource_id:
        qs = qs.filter(resource_id=resource_id)
    if status:
        qs = qs.filter(status=status)
    if follow_up_by:
        qs = qs.filter(follow_up_on__lte=follow_up_by, status__in=LINK_STATUSES_LIVE)
    return qs.order_by("-created_on", "-id")


def follow_ups_due(station: Station | int, on: date | None = None) -> QuerySet[Link]:
    """Live links (proposed or confirmed) whose follow-up date is ``on``
    (today) or earlier, oldest first."""
    on = on or timezone.localdate()
    return (Link.objects.filter(station=station, status__in=LINK_STATUSES_LIVE, follow_up_on__lte=on)
            .select_related("need", "need__category", "resource")
            .order_by("follow_up_on", "id"))


def _percentile_duration(qs: QuerySet, n: int, p: float) -> timedelta | None:
    """Nearest-rank percentile of ``duration`` by ORDER BY + OFFSET: the
    database sorts, Python reads one row."""
    if n == 0:
        return None
    k = max(0, math.ceil(p * n) - 1)
    row = qs.order_by("duration", "id").values_list("duration", flat=True)[k:k + 1]
    value = list(row)
    if not value:
        return None
    d = value[0]
    if isinstance(d, (int, float)):  # some backends give microseconds
        d = timedelta(microseconds=d)
    return d


def needs_dashboard(station: Station | int, *, now=None) -> dict:
    """Open needs by urgency and age, time from recording to first link
    (median and 90th percentile, needs recorded in the last 90 days), the
    share of needs met within 72 hours and overdue follow-ups. Eight queries
    whatever the number of needs."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    needs = Need.objects.filter(station=station, archived_on__isnull=True).order_by()
    wanting = needs.filter(status__in=NEED_STATUSES_WANTING)

    # 1. Open needs by urgency × age bucket: one GROUP BY over the bucket
    # each need falls in (a CASE), summed up here. (Nine filtered counts per
    # row cost SQLite 10 ms more at 100,000 open needs.) A need recorded
    # after ``now`` counts in the total but in no bucket, as before.
    bounds = [now - timedelta(days=days) for _key, days in AGE_BUCKETS]
    bucket = Case(When(created_on__gt=bounds[0], then=Value(-1)),
                  *[When(created_on__gt=bounds[i + 1], then=Value(i)) for i in range(len(bounds) - 1)],
                  default=Value(len(bounds) - 1), output_field=IntegerField())
    by_urgency: dict[str, dict] = {}
    for urgency, age, n in wanting.annotate(bucket=bucket).values_list("urgency", "bucket").annotate(
            n=Count("id")).order_by():
        row = by_urgency.setdefault(urgency, {"total": 0, "due_today": 0, "overdue": 0,
                                              **{key: 0 for key, _days in AGE_BUCKETS}})
        row["total"] += n
        if age >= 0:
            row[AGE_BUCKETS[age][0]] += n
    # 2. Due today and overdue: only needs due by today, through the
    # (station, due_on) index.
    for urgency, due_today, overdue in wanting.filter(due_on__lte=today).values_list("urgency").annotate(
            due_today=Count("id", filter=Q(due_on=today)), overdue=Count("id", filter=Q(due_on__lt=today))
    ).order_by():
        if urgency in by_urgency:
            by_urgency[urgency].update(due_today=due_today, overdue=overdue)
    rows = []
    for urgency in sorted(Urgency, key=lambda u: URGENCY_RANK[u]):
        row = by_urgency.get(urgency.value, {})
        rows.append({
            "urgency": urgency.value, "label": urgency.label, "definition": URGENCY_DEFINITIONS[urgency],
            "total": row.get("total", 0), "due_today": row.get("due_today", 0), "overdue": row.get("overdue", 0),
            "ages": [row.get(key, 0) for key, _days in AGE_BUCKETS],
        })
    age_totals = [sum(r["ages"][i] for r in rows) for i in range(len(AGE_BUCKETS))]
    open_total = sum(r["total"] for r in rows)

    # 3–5. Time to first link over needs recorded in the window.
    window_start = now - timedelta(days=DASHBOARD_WINDOW_DAYS)
    # Found through the (station, first_linked_on) index: a need is linked
    # after it is recorded, so its first link is in the window too, and
    # "recorded in the window" is said as duration <= first link - window
    # start. (Said as created_on >= window start, SQLite read every need of
    # the window through the created_on index, 20 ms at 100,000.)
    linked = needs.filter(first_linked_on__gte=window_start).annotate(
        duration=ExpressionWrapper(F("first_linked_on") - F("created_on"), output_field=DurationField()),
    ).filter(duration__lte=ExpressionWrapper(F("first_linked_on") - Value(window_start),
                                             output_field=DurationField()))
    n_linked = linked.count()
    median = _percentile_duration(linked, n_linked, 0.5)
    p90 = _percentile_duration(linked, n_linked, 0.9)

    # 6. Met within 72 hours, of needs recorded in the window and at least 72 hours old.
    cutoff = now - timedelta(hours=72)
    met = needs.filter(created_on__gte=window_start, created_on__lte=cutoff).exclude(
        status=NeedStatus.CANCELLED).aggregate(
        n=Count("id"),
        met=Count("id", filter=Q(status=NeedStatus.MET, closed_on__lte=F("created_on") + timedelta(hours=72))),
    )
    met_share = (met["met"] / met["n"]) if met["n"] else None

    # 7–8. Overdue follow-ups: how many, and the oldest few.
    overdue_follow_ups = follow_ups_due(station, today - timedelta(days=1))
    max_age_bucket = max(age_totals) if age_totals else 0
    return {
        "open_total": open_total,
        "by_urgency": rows,
        "age_buckets": [key for key, _days in AGE_BUCKETS],
        "age_totals": age_totals,
        "age_max": max_age_bucket,
        "due_today": sum(r["due_today"] for r in rows),
        "overdue": sum(r["overdue"] for r in rows),
        "window_days": DASHBOARD_WINDOW_DAYS,
        "linked_count": n_linked,
        "time_to_link_median": median,
        "time_to_link_p90": p90,
        "met_72h_count": met["met"],
        "met_72h_of": met["n"],
        "met_72h_share": met_share,
        "follow_ups_overdue_count": overdue_follow_ups.count(),
        "follow_ups_overdue": list(overdue_follow_ups[:10]),
    }


def needs_of_household(household) -> list[Need]:
    return list(Need.objects.filter(household=household, archived_on__isnull=True)
                .select_related("category").order_by("urgency_rank", "-created_on", "-id")
                .only("id", "station_id", "household_id", "category_id", "quantity", "unit", "urgency", "status",
                      "due_on", "created_on", "category__id", "category__name_zh_hans", "category__name_en",
                      "category__retired_on"))
