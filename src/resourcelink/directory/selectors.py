"""Reads of the resource directory: search, map points, counts, dashboard."""

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Count, ExpressionWrapper, F, FloatField, Prefetch, Q, QuerySet, Value
from django.utils import timezone

from resourcelink.accounts.models import Station
from resourcelink.taxonomy.models import Category

from .models import KIND_COLOURS, Resource, ResourceKind, ResourceStatus

KM_PER_DEG_LAT = 110.574
KM_PER_DEG_LON_EQUATOR = 111.320


@dataclass
class ResourceFilter:
    """Every way a resource list can be narrowed. Pages, the map, exports and
    the API all build one of these and hand it to ``resources_search``."""

    q: str = ""
    category: Category | None = None
    kind: str = ""
    status: str = ""  # "" = everything but archived
    is_formal: bool | None = None
    is_internal: bool | None = None
    community_id: int | None = None
    grid_id: int | None = None
    verified_within_days: int | None = None
    stale: bool = False  # not verified for RL_STALE_DAYS (or never)
    near_lat: float | None = None
    near_lon: float | None = None
    radius_km: float | None = None
    order: str = "name"  # name | -updated | distance | -verified
    extra: dict = field(default_factory=dict)

    def category_ids(self) -> list[int]:
        """The chosen category and its descendants (read once per filter)."""
        if self.category is None:
            return []
        if "category_ids" not in self.extra:
            self.extra["category_ids"] = list(Category.objects.filter(
                station_id=self.category.station_id, path__startswith=self.category.path).values_list("pk", flat=True))
        return self.extra["category_ids"]

    @property
    def has_point(self) -> bool:
        return self.near_lat is not None and self.near_lon is not None

    def terms(self) -> list[str]:
        return [t for t in self.q.lower().split() if t][:8]


ORDERINGS = {
    "name": ("name", "id"),
    "-updated": ("-updated_on", "-id"),
    "-verified": (F("last_verified_on").desc(nulls_last=True), "id"),
    "-created": ("-created_on", "-id"),
}


def _base(station: Station | int) -> QuerySet[Resource]:
    return Resource.objects.filter(station=station)


def apply_filter(qs: QuerySet[Resource], f: ResourceFilter) -> QuerySet[Resource]:
    for term in f.terms():
        qs = qs.filter(search_text__contains=term)
    if f.category is not None:
        # A subquery rather than a join, so that no DISTINCT is needed and a
        # resource in two matching sub-categories is listed once. The
        # subtree's ids are read first: with literal ids PostgreSQL estimates
        # the subquery from the category_id statistics and starts from the
        # cheaper side (a 2 km search went from 42 to 22 ms).
        through = Resource.categories.through
        qs = qs.filter(pk__in=through.objects.filter(category_id__in=f.category_ids()).values("resource_id"))
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.status:
        qs = qs.filter(status=f.status)
    else:
        qs = qs.exclude(status=ResourceStatus.ARCHIVED)
    if f.is_formal is not None:
        qs = qs.filter(is_formal=f.is_formal)
    if f.is_internal is not None:
        qs = qs.filter(is_internal=f.is_internal)
    if f.community_id:
        qs = qs.filter(community_id=f.community_id)
    if f.grid_id:
        qs = qs.filter(grid_id=f.grid_id)
    today = timezone.localdate()
    if f.verified_within_days is not None:
        qs = qs.filter(last_verified_on__gte=today - timedelta(days=f.verified_within_days))
    if f.stale:
        cutoff = today - timedelta(days=settings.RL_STALE_DAYS)
        qs = qs.filter(Q(last_verified_on__lt=cutoff) | Q(last_verified_on__isnull=True))
    if f.has_point:
        qs = annotate_distance(qs, f.near_lat, f.near_lon)
        if f.radius_km is not None:
            qs = within_radius(qs, f.near_lat, f.near_lon, f.radius_km)
    return qs


def annotate_distance(qs: QuerySet[Resource], lat: float, lon: float) -> QuerySet[Resource]:
    """Add ``distance_km``: an equirectangular approximation, exact to well
    under 1% within a district, and made of arithmetic only so that SQLite and
    PostgreSQL compute it alike without trigonometric SQL functions."""
    kx = KM_PER_DEG_LON_EQUATOR * math.cos(math.radians(lat))
    ky = KM_PER_DEG_LAT
    dx = (F("longitude") - Value(lon)) * Value(kx)
    dy = (F("latitude") - Value(lat)) * Value(ky)
    return qs.annotate(distance_sq=ExpressionWrapper(dx * dx + dy * dy, output_field=FloatField()))


def within_radius(qs: QuerySet[Resource], lat: float, lon: float, radius_km: float) -> QuerySet[Resource]:
    # The bounding box lets the (station, latitude, longitude) index do the
    # coarse cut; the squared distance does the exact one.
    dlat = radius_km / KM_PER_DEG_LAT
    dlon = radius_km / (KM_PER_DEG_LON_EQUATOR * max(math.cos(math.radians(lat)), 0.01))
    return qs.filter(
        latitude__gte=lat - dlat, latitude__lte=lat + dlat,
        longitude__gte=lon - dlon, longitude__lte=lon + dlon,
        distance_sq__lte=radius_km * radius_km,
    )


def resources_search(*, station: Station | int, filters: ResourceFilter | None = None) -> QuerySet[Resource]:
    """The resources of a station matching ``filters``, in a stable order, with
    what a list row shows loaded up front (constant query count per page)."""
    f = filters or ResourceFilter()
    qs = apply_filter(_base(station), f)
    if f.order == "distance" and f.has_point:
        qs = qs.order_by(F("distance_sq").asc(nulls_last=True), "id")
    else:
        qs = qs.order_by(*ORDERINGS.get(f.order, ORDERINGS["name"]))
    # Rows carry what lists, exports and the API show: not the search text,
    # nor the related rows' bookkeeping columns (parsing timestamps is a
    # measurable share of a 50-row page on PostgreSQL).
    related_skip = [f"{rel}__{name}" for rel in ("community", "grid")
                    for name in ("created_on", "updated_on", "created_by", "updated_by", "description")]
    return (
        qs.select_related("community", "grid")
        .defer("search_text", "import_key", *related_skip)
        .prefetch_related(Prefetch("categories", queryset=Category.objects.only(*CATEGORY_LIST_FIELDS)))
    )


CATEGORY_LIST_FIELDS = ("id", "station_id", "code", "parent_id", "path", "depth", "name_zh_hans", "name_en",
                        "sort_order", "retired_on")


def distance_km(resource: Resource) -> float | None:
    d2 = getattr(resource, "distance_sq", None)
    return None if d2 is None else math.sqrt(d2)


def map_points(*, station: Station | int, filters: ResourceFilter | None = None, limit: int | None = None) -> dict:
    """Compact points for the map: ``[id, lat, lon, kind, name]`` rows, at most
    ``limit`` (RL_MAP_MAX_POINTS), in id order.

    When more match, ``truncated`` is true and ``total`` is None: counting
    them would scan the whole match a second time (the heaviest requests
    are exactly those), and the map page already shows the counts by kind
    and by grid for the same filters.
    """
    f = filters or ResourceFilter()
    limit = limit or settings.RL_MAP_MAX_POINTS
    qs = apply_filter(_base(station), f).filter(latitude__isnull=False, longitude__isnull=False)
    points = [list(row) for row in qs.order_by("id").values_list("id", "latitude", "longitude", "kind", "name")[
        : limit + 1]]
    truncated = len(points) > limit
    del points[limit:]
    return {
        "total": None if truncated else len(points),
        "shown": len(points),
        "truncated": truncated,
        "points": points,
        "kinds": {k.value: {"label": str(k.label), "colour": KIND_COLOURS[k]} for k in ResourceKind},
    }


def counts_by_grid_and_kind(*, station: Station | int, filters: ResourceFilter | None = None) -> dict:
    """Table rows: one per grid (and one for resources with no grid), a column
    per kind, with row and column totals."""
    from resourcelink.communities.models import Grid

    qs = apply_filter(_base(station), filters or ResourceFilter())
    cells = {}
    for grid_id, kind, n in qs.order_by().values_list("grid_id", "kind").annotate(n=Count("id")):
        cells[(grid_id, kind)] = n
    grid_ids = {g for g, _ in cells}
    grids = {g.pk: g for g in Grid.objects.filter(pk__in=[g for g in grid_ids if g]).select_related("community")}
    kinds = list(ResourceKind)
    rows = []
    for grid_id in sorted(grid_ids, key=lambda g: (g is None, str(grids.get(g, "")))):
        counts = [cells.get((grid_id, k.value), 0) for k in kinds]
        rows.append({"grid": grids.get(grid_id), "counts": counts, "total": sum(counts)})
    totals = [sum(r["counts"][i] for r in rows) for i in range(len(kinds))]
    return {"kinds": kinds, "rows": rows, "totals": totals, "total": sum(totals)}


def counts_by_category_and_flags(*, station: Station | int, filters: ResourceFilter | None = None) -> dict:
    """Table rows: one per top-level category (counting its sub-categories),
    columns formal/informal × internal/external. A resource in two
    sub-categories of one top-level category counts once in that row."""
    roots = list(Category.objects.filter(station=station, parent__isnull=True, retired_on__isnull=True).order_by(
        "sort_order", "path"))
    qs = apply_filter(_base(station), filters or ResourceFilter())
    aggregates = {
        f"c{root.pk}": Count("id", distinct=True, filter=Q(categories__path__startswith=root.path)) for root in roots
    }
    cells = {}
    if aggregates:
        for row in qs.order_by().values("is_formal", "is_internal").annotate(**aggregates):
            for root in roots:
                cells[(root.pk, row["is_formal"], row["is_internal"])] = row[f"c{root.pk}"]
    columns = [(True, True), (True, False), (False, True), (False, False)]
    rows = []
    for root in roots:
        counts = [cells.get((root.pk, formal, internal), 0) for formal, internal in columns]
        if any(counts):
            rows.append({"category": root, "counts": counts, "total": sum(counts)})
    return {"columns": columns, "rows": rows}


def dashboard_summary(*, station: Station | int, recent: int = 10, stale: int = 10) -> dict:
    """What the home page shows: counts by kind and by top-level category,
    the most recently added resources and the stalest ones."""
    live = _base(station).exclude(status=ResourceStatus.ARCHIVED)
    by_kind = dict(live.order_by().values_list("kind").annotate(n=Count("id")))
    kinds = [
        {"kind": k.value, "label": k.label, "colour": KIND_COLOURS[k], "count": by_kind.get(k.value, 0)}
        for k in ResourceKind
    ]
    by_category = counts_by_category_and_flags(station=station)
    categories = [{"category": row["category"], "count": row["total"]} for row in by_category["rows"]]
    cutoff = timezone.localdate() - timedelta(days=settings.RL_STALE_DAYS)
    stale_qs = live.filter(Q(last_verified_on__lt=cutoff) | Q(last_verified_on__isnull=True))
    return {
        "total": sum(by_kind.values()),
        "kinds": kinds,
        "categories": categories,
        "recent": list(live.select_related("community", "grid").order_by("-created_on", "-id")[:recent]),
        "stale": list(
            stale_qs.select_related("community", "grid").order_by(
                F("last_verified_on").asc(nulls_first=True), "id")[:stale]
        ),
        "stale_count": stale_qs.count(),
        "stale_days": settings.RL_STALE_DAYS,
    }


def verified_age_days(resource: Resource, today: date | None = None) -> int | None:
    if resource.last_verified_on is None:
        return None
    return ((today or timezone.localdate()) - resource.last_verified_on).days


def get_resource_for_user(user, pk, *, roles=None) -> Resource:
    from resourcelink.accounts.access import get_scoped_object

    return get_scoped_object(
        user, Resource.objects.select_related("community", "grid", "organization", "service", "station"), pk,
        roles=roles,
    )


def get_organization_for_user(user, pk, *, roles=None):
    from resourcelink.accounts.access import get_scoped_object

    from .models import Organization

    return get_scoped_object(user, Organization.objects.all(), pk, roles=roles)
