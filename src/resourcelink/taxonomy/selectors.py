from django.db.models import Q, QuerySet

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
    """(id, indented name) pairs in tree order, for select boxes."""
    return [(c.pk, "\u3000" * c.depth + c.name) for c in categories_for_station(station)]
