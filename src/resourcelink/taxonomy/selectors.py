from django.db.models import Q, QuerySet
from django.utils import translation

from resourcelink.accounts.models import Station

from .models import Category


def categories_for_station(station: Station | int, *, include_retired: bool = False) -> QuerySet[Category]:
    qs = Category.objects.filter(station=station)
    if not include_retired:
        qs = qs.filter(retired_on__isnull=True)
    return qs.order_by("path")


def category_subtree_q(category: Category, prefix: str = "") -> Q:
    """A Q that matches the category and all of its descendants on a relation
    (``prefix`` like "categories__")."""
    return Q(**{f"{prefix}path__startswith": category.path, f"{prefix}station_id": category.station_id})


def category_choices(station) -> list[tuple[int, str]]:
    """(id, indented name) pairs in tree order, for select boxes (read as
    plain values: every list page builds them)."""
    zh = (translation.get_language() or "").lower().startswith("zh")
    rows = categories_for_station(station).values_list("pk", "depth", "name_zh_hans", "name_en")
    return [(pk, "\u3000" * depth + ((name_zh or name_en) if zh else (name_en or name_zh)))
            for pk, depth, name_zh, name_en in rows]


def category_tree_with_counts(station: Station | int) -> list[Category]:
    """Every category of the station (retired ones too) in tree order, each
    with ``n_resources``: the live resources in it or in any category below
    it, each resource counted once. One query for the tree and one per 200
    categories for the counts, however many resources there are."""
    from django.db.models import Count

    from resourcelink.directory.models import Resource, ResourceStatus

    categories = list(categories_for_station(station, include_retired=True))
    live = Resource.objects.filter(station=station).exclude(status=ResourceStatus.ARCHIVED).order_by()
    counts: dict[int, int] = {}
    for start in range(0, len(categories), 200):
        chunk = categories[start : start + 200]
        aggregates = {
            f"c{c.pk}": Count("id", distinct=True, filter=Q(categories__path__startswith=c.path)) for c in chunk
        }
        row = live.filter(categories__station=station).aggregate(**aggregates)
        counts.update({c.pk: row[f"c{c.pk}"] or 0 for c in chunk})
    for category in categories:
        category.n_resources = counts.get(category.pk, 0)
    return _in_tree_order(categories)


def _in_tree_order(categories: list[Category]) -> list[Category]:
    """Depth first, siblings by the admin's order then code."""
    children: dict[int | None, list[Category]] = {}
    for category in categories:
        children.setdefault(category.parent_id, []).append(category)
    ordered: list[Category] = []

    def visit(parent_id):
        for category in sorted(children.get(parent_id, []), key=lambda c: (c.sort_order, c.code)):
            ordered.append(category)
            visit(category.pk)

    visit(None)
    return ordered


def get_category_for_user(user, pk, *, roles=None) -> Category:
    from resourcelink.accounts.access import get_scoped_object

    return get_scoped_object(user, Category.objects.select_related("parent"), pk, roles=roles)
