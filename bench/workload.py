"""What each measured operation asks for.

Every iteration asks for something different (another page, search term,
category, point or filter), drawn from the generated data with a fixed seed,
so that one cached query cannot flatter the figures and two runs ask the
same things.
"""

import random
import re
from collections import Counter
from dataclasses import dataclass

from django.urls import reverse

CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
SEARCH_RADIUS_KM = 2.0
PAGES = 20  # list and API requests ask for pages 1..PAGES


@dataclass
class Operation:
    key: str
    label: str
    url: str
    requests: list[dict]  # the GET parameters of each request, warm-up first
    count_request: dict  # a broad request whose query count is compared at two sizes
    size_by: str  # how the size is set: a setting name, or "page_size" (a parameter)
    api: bool = False


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
