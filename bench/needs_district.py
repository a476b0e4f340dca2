"""Households, residents, needs and supply lines for the benchmark district.

``ensure_needs(station, ...)`` adds them once to the district station (rows
straight into the tables with ``bulk_create``, no history, seeded) and finds
them again on the next run, so every benchmark that reads needs (the
allocation, the need list, the dashboard and the suggestions) works on the
same 100,000 needs.

``ensure_suggestion_needs(station)`` adds a few open needs more
(``SUGGEST_PER_CATEGORY`` in each category of the directory that has
resources, and in each root above them), so that suggestions are measured
against the district's 50,000 directory resources too, not only the supply
lines: a root need (say "medical/") has some 6,000 candidates.

The goods live under a category root of their own (``BENCH_ROOT``): groups
under it, items under each group. Needs ask for an item (most) or a whole
group (a few, which any item of the group fits); supply lines hold one item.
Spreading them over ``groups × items`` categories is what sets the number of
candidate pairs (about needs × supply / items, ≈ 1,000,000 by default),
and keeps the district's 50,000 directory resources out of the allocation.
"""

import random
import time
from datetime import timedelta
from decimal import Decimal

from .district import SUPPLY_KEY_PREFIX

BENCH_ROOT = "bench-goods"
GROUPS = 48
ITEMS_PER_GROUP = 10
GROUP_NEED_SHARE = 0.02  # needs that ask for a whole group
URGENCY_SHARES = (("critical", 0.1), ("high", 0.25), ("normal", 0.45), ("low", 0.2))
TAGGED_RESIDENT_SHARE = 0.25
RESTRICTED_SUPPLY_SHARE = 0.1
BATCH = 5000


def bench_root(station):
    from resourcelink.taxonomy.models import Category

    return Category.objects.filter(station=station, code=BENCH_ROOT).first()


def _categories(station):
    from resourcelink.taxonomy.models import Category

    root = Category.objects.create(station=station, code=BENCH_ROOT, path=f"{BENCH_ROOT}/", depth=0,
                                   name_zh_hans="基准物资", name_en="Benchmark goods", sort_order=999)
    groups = Category.objects.bulk_create([
        Category(station=station, code=f"{BENCH_ROOT}.g{g:02d}", parent=root, depth=1,
                 path=f"{root.path}{BENCH_ROOT}.g{g:02d}/", name_zh_hans=f"物资组{g:02d}",
                 name_en=f"Goods group {g:02d}", sort_order=g)
        for g in range(GROUPS)
    ])
    groups = list(Category.objects.filter(station=station, parent=root).order_by("path"))
    Category.objects.bulk_create([
        Category(station=station, code=f"{group.code}.i{i:02d}", parent=group, depth=2,
                 path=f"{group.path}{group.code}.i{i:02d}/", name_zh_hans=f"{group.name_zh_hans}物品{i:02d}",
                 name_en=f"{group.name_en} item {i:02d}", sort_order=i)
        for group in groups for i in range(ITEMS_PER_GROUP)
    ])
    items = {g.pk: list(Category.objects.filter(station=station, parent=g).order_by("path").values_list(
        "id", flat=True)) for g in groups}
    return root, [g.pk for g in groups], items


def _created_ids(model, rows, key: str):
    """Primary keys of rows just bulk-created (both databases return them;
    the fallback reads them back by a unique key)."""
    if rows and rows[0].pk is None:
        ids = dict(model.objects.filter(**{f"{key}__in": [getattr(r, key) for r in rows]}).values_list(key, "pk"))
        for r in rows:
            r.pk = ids[getattr(r, key)]
    return rows


def generate(station, *, households: int, needs: int, supply: int, seed: int, log) -> None:
    from django.db import transaction
    from django.utils import timezone

    from resourcelink.communities.models import Community, Grid
    from resourcelink.directory.models import Resource, ResourceKind, ResourceStatus
    from resourcelink.directory.services import resource_refresh_derived
    from resourcelink.needs.models import Need
    from resourcelink.people.models import Household, Resident, VulnerabilityTag

    rng = random.Random(seed + 3)
    communities = list(Community.objects.filter(station=station).order_by("id").values_list(
        "id", "latitude", "longitude"))
    grids: dict[int, list[int]] = {}
    for gid, cid in Grid.objects.filter(station=station).order_by("id").values_list("id", "community_id"):
        grids.setdefault(cid, []).append(gid)
    tags = list(VulnerabilityTag.objects.filter(station=station).order_by("id").values_list("id", flat=True))

    def place(lat, lon):
        return round(lat + rng.uniform(-0.005, 0.005), 6), round(lon + rng.uniform(-0.005, 0.005), 6)

    with transaction.atomic():
        root, groups, items = _categories(station)
        all_items = [i for g in groups for i in items[g]]

        started = time.perf_counter()
        homes = []  # (id, community, grid)
        for start in range(0, households, BATCH):
            rows = []
            for k in range(start, min(start + BATCH, households)):
                cid, clat, clon = rng.choice(communities)
                lat, lon = place(clat, clon)
                rows.append(Household(station=station, name=f"基准户{k + 1:06d}", address=f"基准路{k + 1}号",
                                      community_id=cid, grid_id=rng.choice(grids[cid]), latitude=lat,
                                      longitude=lon, import_key=f"bench-{k + 1}"))
            rows = _created_ids(Household, Household.objects.bulk_create(rows, batch_size=BATCH), "import_key")
            homes += [(h.pk, h.community_id, h.grid_id) for h in rows]
        log(f"  {households} households in {time.perf_counter() - started:.1f} s")

        started = time.perf_counter()
        through = Resident.tags.through
        residents = 0
        for start in range(0, len(homes), BATCH):
            rows = []
            for hid, _cid, _gid in homes[start:start + BATCH]:
                for r in range(rng.choice((1, 1, 2, 2, 2, 3, 4))):
                    residents += 1
                    rows.append(Resident(station=station, household_id=hid, name=f"基准人{residents:07d}",
                                         relation="head" if r == 0 else "other",
                                         import_key=f"bench-{residents}"))
            rows = _created_ids(Resident, Resident.objects.bulk_create(rows, batch_size=BATCH), "import_key")
            links = [through(resident_id=r.pk, vulnerabilitytag_id=rng.choice(tags))
                     for r in rows if rng.random() < TAGGED_RESIDENT_SHARE]
            through.objects.bulk_create(links, batch_size=BATCH)
        log(f"  {residents} residents in {time.perf_counter() - started:.1f} s")

        started = time.perf_counter()
        urgencies = [u for u, _ in URGENCY_SHARES]
        shares = [s for _, s in URGENCY_SHARES]
        for start in range(0, needs, BATCH):
            rows = []
            for _k in range(start, min(start + BATCH, needs)):
                hid, cid, gid = rng.choice(homes)
                group = rng.choice(groups)
                category = group if rng.random() < GROUP_NEED_SHARE else rng.choice(items[group])
                rows.append(Need(station=station, household_id=hid, category_id=category,
                                 quantity=rng.randint(1, 5), urgency=rng.choices(urgencies, shares)[0],
                                 community_id=cid, grid_id=gid, status="open"))
            Need.objects.bulk_create(rows, batch_size=BATCH)
        log(f"  {needs} needs in {time.perf_counter() - started:.1f} s")

        started = time.perf_counter()
        today = timezone.localdate()
        rows, cats = [], []
        for k in range(supply):
            cid, clat, clon = rng.choice(communities)
            lat, lon = place(clat, clon)
            resource = Resource(
                station=station, name=f"基准物资{k + 1:05d}", kind=ResourceKind.MATERIAL, community_id=cid,
                grid_id=rng.choice(grids[cid]), latitude=lat, longitude=lon, quantity=Decimal(rng.randint(10, 70)),
                unit="件", status=ResourceStatus.ACTIVE,
                last_verified_on=today - timedelta(days=rng.randint(0, 120)),
            )
            resource_refresh_derived(resource, [])
            resource.import_key = f"{SUPPLY_KEY_PREFIX}{k + 1}"  # bench.district leaves these out of its size
            rows.append(resource)
            cats.append(rng.choice(all_items))
        rows = _created_ids(Resource, Resource.objects.bulk_create(rows, batch_size=BATCH), "import_key")
        Resource.categories.through.objects.bulk_create(
            [Resource.categories.through(resource_id=r.pk, category_id=c) for r, c in zip(rows, cats, strict=True)],
            batch_size=BATCH)
        Resource.eligible_tags.through.objects.bulk_create(
            [Resource.eligible_tags.through(resource_id=r.pk, vulnerabilitytag_id=t)
             for r in rows if rng.random() < RESTRICTED_SUPPLY_SHARE for t in rng.sample(tags, rng.randint(1, 2))],
            batch_size=BATCH)
        log(f"  {supply} supply lines in {time.perf_counter() - started:.1f} s")


def counts(station) -> dict:
    from resourcelink.directory.models import Resource
    from resourcelink.needs.models import Need
    from resourcelink.people.models import Household, Resident

    root = bench_root(station)
    return {
        "households": Household.objects.filter(station=station).count(),
        "residents": Resident.objects.filter(station=station).count(),
        "needs": Need.objects.filter(station=station).count(),
        "supply": Resource.objects.filter(station=station, categories__path__startswith=root.path).count()
        if root else 0,
    }


def ensure_needs(station, *, households: int = 40_000, needs: int = 100_000, supply: int = 5_000,
                 seed: int = 20240601, log=print) -> dict:
    """The register of the benchmark district, generated on first use.

    Returns the sizes found, whether they were generated now, how long that
    took and the bench category root (for filters)."""
    root = bench_root(station)
    if root is not None:
        found = counts(station)
        log(f"reusing the needs district: {found}")
        return {**found, "generated": False, "seconds": 0.0, "root": root.pk}
    log(f"generating {households} households, {needs} needs, {supply} supply lines (seed {seed})")
    started = time.perf_counter()
    generate(station, households=households, needs=needs, supply=supply, seed=seed, log=log)
    seconds = time.perf_counter() - started
    found = counts(station)
    log(f"generated {found} in {seconds:.1f} s")
    return {**found, "generated": True, "seconds": round(seconds, 1), "root": bench_root(station).pk}


SUGGEST_KEY_PREFIX = "bench-suggest-"
SUGGEST_PER_CATEGORY = 2


def ensure_suggestion_needs(station, *, seed: int = 20240601, log=print) -> dict:
    """Open needs in the directory's categories (leaves with resources and
    their roots), on households of the needs district; generated once.
    Returns ``{"created": n, "needs": total of them}``."""
    from django.db import transaction

    from resourcelink.directory.models import Resource
    from resourcelink.needs.models import Need
    from resourcelink.people.models import Household
    from resourcelink.taxonomy.models import Category

    existing = Need.objects.filter(station=station, import_key__startswith=SUGGEST_KEY_PREFIX).count()
    if existing:
        return {"created": 0, "needs": existing}
    root = bench_root(station)
    used = set(Resource.categories.through.objects.filter(resource__station=station).exclude(
        category__path__startswith=root.path if root else "\x00").values_list("category_id", flat=True).distinct())
    leaves = list(Category.objects.filter(pk__in=used).order_by("path").values_list("pk", "path"))
    roots = {path.split("/")[0] + "/" for _pk, path in leaves}
    tops = list(Category.objects.filter(station=station, path__in=roots).order_by("path").values_list("pk", "path"))
    rng = random.Random(seed + 7)
    homes = list(Household.objects.filter(station=station, import_key__startswith="bench-").order_by("id")
                 .values_list("id", "community_id", "grid_id"))
    rows, k = [], 0
    for category_id, _path in tops + leaves:
        for _ in range(SUGGEST_PER_CATEGORY):
            k += 1
            hid, cid, gid = rng.choice(homes)
            rows.append(Need(station=station, household_id=hid, category_id=category_id,
                             quantity=rng.randint(1, 5), urgency=rng.choice([u for u, _s in URGENCY_SHARES]),
                             community_id=cid, grid_id=gid, status="open",
                             import_key=f"{SUGGEST_KEY_PREFIX}{k}"))
    with transaction.atomic():
        Need.objects.bulk_create(rows, batch_size=BATCH)
    log(f"added {len(rows)} open needs in {len(tops)} root and {len(leaves)} leaf categories of the directory "
        f"(for the suggestions)")
    return {"created": len(rows), "needs": len(rows)}
