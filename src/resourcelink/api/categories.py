"""/categories: each station's category tree."""

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from resourcelink.accounts.access import get_scoped_object
from resourcelink.taxonomy.models import Category

from .common import LIST_ERRORS, READ_ERRORS, PageOut, PageParams, paginate, scoped_station_ids

router = Router(tags=["categories"])


class CategoryOut(Schema):
    id: int
    station: int
    code: str = Field(description="Stable across renames; the same default codes exist at every station.")
    parent: str | None = Field(description="The parent's code.")
    path: str
    depth: int
    name: str = Field(description="The name in the request's language.")
    name_zh_hans: str
    name_en: str
    sort_order: int
    retired_on: datetime | None


class CategoryPage(PageOut):
    results: list[CategoryOut]


class CategoryFilterParams(Schema):
    station: int | None = Field(None, description="Station id; default: all your stations.")
    include_retired: bool = False
    parent: str | None = Field(None, description="Only the direct sub-categories of the category with this code.")


def category_out(category: Category) -> dict:
    return {
        "id": category.pk,
        "station": category.station_id,
        "code": category.code,
        "parent": category.parent.code if category.parent_id else None,
        "path": category.path,
        "depth": category.depth,
        "name": category.name,
        "name_zh_hans": category.name_zh_hans,
        "name_en": category.name_en,
        "sort_order": category.sort_order,
        "retired_on": category.retired_on,
    }


def categories_for_stations(station_ids: list[int], *, include_retired: bool = False, parent: str | None = None):
    qs = Category.objects.filter(station_id__in=station_ids).select_related("parent")
    if not include_retired:
        qs = qs.filter(retired_on__isnull=True)
    if parent:
        qs = qs.filter(parent__code=parent)
    return qs.order_by("station_id", "path")


@router.get("/categories", response={200: CategoryPage, **LIST_ERRORS}, summary="List categories",
            description="Each station's tree in path order (a parent before its children).")
def category_list(request: HttpRequest, filters: Query[CategoryFilterParams], pages: Query[PageParams]):
    station_ids = scoped_station_ids(request.auth, filters.station)
    qs = categories_for_stations(station_ids, include_retired=filters.include_retired, parent=filters.parent)
    return paginate(request, qs, pages, category_out)


@router.get("/categories/{int:category_id}", response={200: CategoryOut, **READ_ERRORS}, summary="One category")
def category_detail(request: HttpRequest, category_id: int):
    category = get_scoped_object(request.auth, Category.objects.select_related("parent"), category_id)
    return category_out(category)
