"""What each measured operation asks for.

Every iteration asks for something different (another page, search term,
category, point or filter), drawn from the generated data with a fixed seed,
so that one cached query cannot flatter the figures and two runs ask the
same things.
"""

import random
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
SEARCH_RADIUS_KM = 2.0
PAGES = 20  # list and API requests ask for pages 1..PAGES


PATH = "_path"  # a request's own URL (one need's suggestions), not a GET parameter
NEED_PAGES = 2000  # need list requests ask for pages up to this (100,000 needs ÷ 50)
LINKS_AT = {20: 20, 100: 100}  # "links" size: live links added (rolled back) for q@20 / q@100


@dataclass
class Operation:
    key: str
    label: str
    url: str
    requests: list[dict]  # the GET parameters of each request, warm-up first
    count_request: dict  # a broad request whose query count is compared at two sizes
    size_by: str  # how the size is set: a setting name, "page_size" (a parameter) or "links"
    api: bool = False
    target_ms: float | None = None  # p95 target, when not the pages' default
    group: str = "directory"  # "directory" or "needs" (``--only needs``)
    links_need: int | None = None  # "links" size: the added links go to this need's candidates
    # Instead of a page: a selector called with each request's parameters
    # (``url`` unused), returning how many rows it gave.
    call: Callable[[dict], int] | None = None


def _windows(name: str) -> list[str]:
    """Two-character pieces of the Chinese runs of a name: search terms that
    are certain to find something."""
    return [run[i : i + 2] for run in CJK_RUN.findall(name) for i in range(len(run) - 1)]


def _sample(station, rng: random.Random, n: int) -> list[dict]:
    from resourcelink.directory.models import Resource, ResourceStatus

    ids = list(
        Resource.objects.filter(station=station, latitude__isnull=False)
        .exclude(status=ResourceStatus.ARCHIVED)
        .order_by("id")
        .values_list("id", flat=True)
    )
    chosen = sorted(rng.sample(ids, min(n, len(ids))))
    rows = {
        pk: {"id": pk, "name": name, "lat": lat, "lon": lon, "community": community, "paths": []}
        for pk, name, lat, lon, community in Resource.objects.filter(pk__in=chosen).values_list(
            "id", "name", "latitude", "longitude", "community_id"
        )
    }
    through = Resource.categories.through
    for resource_id, path in through.objects.filter(resource_id__in=chosen).values_list(
        "resource_id", "category__path"
    ).order_by("resource_id", "category__path"):
        rows[resource_id]["paths"].append(path)
    return [rows[pk] for pk in chosen if rows[pk]["paths"]]


def build(station, *, requests: int, warmup: int, seed: int) -> list[Operation]:
    from django.conf import settings
    from django.db.models import Count

    from resourcelink.api.common import DEFAULT_PAGE_SIZE
    from resourcelink.communities.models import Community
    from resourcelink.directory.models import Resource, ResourceKind, ResourceStatus
    from resourcelink.taxonomy.models import Category

    rng = random.Random(seed)
    total = requests + warmup
    sample = _sample(station, rng, max(400, total * 4))
    roots = {c.path: c.pk for c in Category.objects.filter(station=station, parent__isnull=True)}
    communities = list(Community.objects.filter(station=station).order_by("id").values_list("id", flat=True))
    kinds = list(ResourceKind.values)

    # Terms found in more than a third of all names ("资源") say nothing.
    freq = Counter(t for r in sample for t in set(_windows(r["name"])))
    terms = sorted(t for t, n in freq.items() if n <= len(sample) / 3)
    if not terms:  # names without Chinese: fall back to category names
        terms = sorted({c.name_zh_hans[:2] for c in Category.objects.filter(station=station)})

    def root_of(path: str) -> int:
        return roots[path.split("/")[0] + "/"]

    def jitter() -> float:
        return rng.uniform(-0.004, 0.004)  # about ±400 m

    # The combined search: text, a top-level category (so its subtree counts)
    # and a 2 km radius, nearest first. Built around a real resource, so each
    # search finds at least that one.
    searches = []
    for r in sample:
        own = [t for t in _windows(r["name"]) if t in terms]
        if not own:
            continue
        searches.append({
            "q": rng.choice(own), "category": root_of(rng.choice(r["paths"])),
            "near_lat": round(r["lat"] + jitter(), 6), "near_lon": round(r["lon"] + jitter(), 6),
            "radius_km": SEARCH_RADIUS_KM, "order": "distance",
        })
    rng.shuffle(searches)
    searches = (searches * (total // max(len(searches), 1) + 1))[:total]

    centre_lat = sum(r["lat"] for r in sample) / len(sample)
    centre_lon = sum(r["lon"] for r in sample) / len(sample)
    common_term = max(terms, key=lambda t: (freq[t], t))
    common_root = Counter(root_of(p) for r in sample for p in r["paths"]).most_common(1)[0][0]
    broad_search = {
        "q": common_term, "category": common_root, "near_lat": round(centre_lat, 6),
        "near_lon": round(centre_lon, 6), "radius_km": 50, "order": "distance",
    }

    def map_request() -> dict:
        choice = rng.randrange(5)
        if choice == 0:
            return {}
        if choice == 1:
            return {"kind": rng.choice(kinds)}
        if choice == 2:
            return {"community": rng.choice(communities)}
        if choice == 3:
            return {"category": root_of(rng.choice(rng.choice(sample)["paths"]))}
        return {"q": rng.choice(terms)}

    # Pages that exist: the API answers 404 past the last one.
    live = Resource.objects.filter(station=station).exclude(status=ResourceStatus.ARCHIVED)
    per_kind = dict(live.order_by().values_list("kind").annotate(n=Count("id")))
    api_size = DEFAULT_PAGE_SIZE

    def last_page(n: int, size: int) -> int:
        return max(1, min(PAGES, -(-n // size)))

    def api_request() -> dict:
        if rng.random() < 0.5:
            kind = rng.choice(kinds)
            return {"page": rng.randint(1, last_page(per_kind.get(kind, 0), api_size)), "kind": kind}
        return {"page": rng.randint(1, last_page(sum(per_kind.values()), api_size))}

    return [
        Operation(
            "list", "resource list page", reverse("directory:resource_list"),
            [{"page": rng.randint(1, last_page(sum(per_kind.values()), settings.RL_PAGE_SIZE))}
             for _ in range(total)],
            {}, "RL_PAGE_SIZE",
        ),
        Operation(
            "search", "search: text + category + 2 km, by distance", reverse("directory:resource_list"),
            searches, broad_search, "RL_PAGE_SIZE",
        ),
        Operation(
            "map", "map data endpoint", reverse("directory:map_data"),
            [map_request() for _ in range(total)], {}, "RL_MAP_MAX_POINTS",
        ),
        Operation(
            "api", "API list /api/v1/resources", "/api/v1/resources",
            [api_request() for _ in range(total)], {}, "page_size", api=True,
        ),
    ]


def build_needs(station, *, requests: int, warmup: int, seed: int) -> list[Operation]:
    """The need list, the needs dashboard and one need's suggestions over the
    needs district (``bench.needs_district``): 100,000 open needs, and needs
    in the directory's categories whose suggestions weigh its 50,000
    resources."""
    from django.db.models import Count

    from resourcelink.communities.models import Community, Grid
    from resourcelink.needs.models import Need, Urgency
    from resourcelink.taxonomy.models import Category

    from .needs_district import BENCH_ROOT, SUGGEST_KEY_PREFIX, bench_root

    rng = random.Random(seed + 11)
    total = requests + warmup
    root = bench_root(station)
    groups = list(Category.objects.filter(station=station, parent=root).order_by("id").values_list("id", flat=True))
    directory_roots = list(Category.objects.filter(station=station, parent__isnull=True).exclude(code=BENCH_ROOT)
                           .order_by("id").values_list("id", flat=True))
    communities = list(Community.objects.filter(station=station).order_by("id").values_list("id", flat=True))
    grids = list(Grid.objects.filter(station=station).order_by("id").values_list("community_id", "id"))
    urgencies = list(Urgency.values)

    def need_list_request() -> dict:
        choice = rng.randrange(10)
        if choice == 0:
            params = {}
        elif choice == 1:
            params = {"status": rng.choice(["all", "open", "linked"])}
        elif choice == 2:
            params = {"urgency": rng.choice(urgencies)}
        elif choice == 3:  # a category and everything under it: a group (11) or a root (529, or a directory's)
            params = {"category": rng.choice([*groups, root.pk, *directory_roots])}
        elif choice == 4:
            params = {"community": rng.choice(communities)}
        elif choice == 5:
            community, grid = rng.choice(grids)
            params = {"community": community, "grid": grid}
        elif choice == 6:
            params = {"due": rng.choice(["today", "overdue"])}
        elif choice == 7:
            params = {"mine": "on"}
        elif choice == 8:
            params = {"urgency": rng.choice(urgencies), "category": rng.choice(groups)}
        else:
            params = {"status": "open", "community": rng.choice(communities), "urgency": rng.choice(urgencies)}
        depth = rng.random()
        if depth < 0.3:
            params["page"] = rng.randint(2, 20)
        elif depth < 0.55:  # deep into the list (past the last page of a narrow filter: its last page)
            params["page"] = rng.randint(100, NEED_PAGES)
        return params

    # Suggestions: needs of every sort, a third each: an item or group of the
    # needs district (≈ 10 or 100 supply lines fit), a directory category
    # (≈ 1,500 resources) and a directory root (≈ 6,000 resources).
    goods = list(Need.objects.filter(station=station, category__path__startswith=root.path).order_by("id")
                 .values_list("id", "category__depth")[:20000])
    goods_items = [pk for pk, depth in goods if depth == 2]
    goods_groups = [pk for pk, depth in goods if depth == 1]
    directory = list(Need.objects.filter(station=station, import_key__startswith=SUGGEST_KEY_PREFIX)
                     .order_by("id").values_list("id", "category__depth"))
    leaves = [pk for pk, depth in directory if depth > 0]
    tops = [pk for pk, depth in directory if depth == 0]
    pools = [p for p in (goods_items + rng.sample(goods_groups, min(5, len(goods_groups))), leaves, tops) if p]
    suggestion_needs = [rng.choice(pools[i % len(pools)]) for i in range(total)]
    rng.shuffle(suggestion_needs)
    # The broadest need (the root with most resources) for the query count.
    from resourcelink.directory.models import Resource

    per_root = Counter()
    for path, n in Resource.categories.through.objects.filter(resource__station=station).values_list(
            "category__path").annotate(n=Count("id")).order_by():
        per_root[path.split("/")[0]] += n
    top_paths = dict(Need.objects.filter(pk__in=tops).values_list("pk", "category__path"))
    broad = max(tops, key=lambda pk: (per_root[top_paths[pk].split("/")[0]], -pk)) if tops else suggestion_needs[0]

    def suggestions_url(pk: int) -> str:
        return reverse("matching:suggestions", args=[pk])

    return [
        Operation(
            "need_list", "need list (100,000 open needs)", reverse("needs:need_list"),
            [need_list_request() for _ in range(total)], {}, "RL_PAGE_SIZE", group="needs",
        ),
        Operation(
            "dashboard", "needs dashboard", reverse("needs:dashboard"),
            [{} for _ in range(total)], {}, "links", group="needs",
        ),
        Operation(
            "suggestions", "suggestions for one need", suggestions_url(broad),
            [{PATH: suggestions_url(pk)} for pk in suggestion_needs], {PATH: suggestions_url(broad)}, "links",
            target_ms=100.0, group="needs", links_need=broad,
        ),
    ]
