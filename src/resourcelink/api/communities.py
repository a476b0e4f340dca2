"""/communities and /grids."""

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from resourcelink.communities.models import Community, Grid
from resourcelink.communities.selectors import get_community_for_user, get_grid_for_user

from .common import (
    LIST_ERRORS,
    READ_ERRORS,
    PageOut,
    PageParams,
    RefOut,
    paginate,
    ref,
    scoped_station_ids,
)

router = Router(tags=["communities"])


class CommunityOut(Schema):
    id: int
    station: int
    code: str
    name: str
    description: str
    latitude: float | None
    longitude: float | None
    archived_on: datetime | None


class CommunityPage(PageOut):
    results: list[CommunityOut]


class GridOut(Schema):
    id: int
    station: int
    community: RefOut
    code: str
    name: str
    description: str
    archived_on: datetime | None


class GridPage(PageOut):
    results: list[GridOut]


class CommunityFilterParams(Schema):
    station: int | None = Field(None, description="Station id; default: all your stations.")
    include_archived: bool = False


class GridFilterParams(CommunityFilterParams):
    community: int | None = Field(None, description="Community id.")


def community_out(community: Community) -> dict:
    return {
        "id": community.pk,
        "station": community.station_id,
        "code": community.code,
        "name": community.name,
        "description": community.description,
        "latitude": community.latitude,
        "longitude": community.longitude,
        "archived_on": community.archived_on,
    }


def grid_out(grid: Grid) -> dict:
    return {
        "id": grid.pk,
        "station": grid.station_id,
        "community": ref(grid.community),
        "code": grid.code,
        "name": grid.name,
        "description": grid.description,
        "archived_on": grid.archived_on,
    }


def communities_for_stations(station_ids: list[int], *, include_archived: bool = False):
    qs = Community.objects.filter(station_id__in=station_ids)
    if not include_archived:
        qs = qs.filter(archived_on__isnull=True)
    return qs.order_by("station_id", "name", "id")


def grids_for_stations(station_ids: list[int], *, community: int | None = None, include_archived: bool = False):
    qs = Grid.objects.filter(station_id__in=station_ids).select_related("community")
    if community is not None:
        qs = qs.filter(community_id=community)
    if not include_archived:
        qs = qs.filter(archived_on__isnull=True)
    return qs.order_by("station_id", "community__name", "name", "id")


@router.get("/communities", response={200: CommunityPage, **LIST_ERRORS}, summary="List communities")
def community_list(request: HttpRequest, filters: Query[CommunityFilterParams], pages: Query[PageParams]):
    station_ids = scoped_station_ids(request.auth, filters.station)
    qs = communities_for_stations(station_ids, include_archived=filters.include_archived)
    return paginate(request, qs, pages, community_out)


@router.get("/communities/{int:community_id}", response={200: CommunityOut, **READ_ERRORS}, summary="One community")
def community_detail(request: HttpRequest, community_id: int):
    return community_out(get_community_for_user(request.auth, community_id))


@router.get("/grids", response={200: GridPage, **LIST_ERRORS}, summary="List grids")
def grid_list(request: HttpRequest, filters: Query[GridFilterParams], pages: Query[PageParams]):
    station_ids = scoped_station_ids(request.auth, filters.station)
    qs = grids_for_stations(station_ids, community=filters.community, include_archived=filters.include_archived)
    return paginate(request, qs, pages, grid_out)


@router.get("/grids/{int:grid_id}", response={200: GridOut, **READ_ERRORS}, summary="One grid")
def grid_detail(request: HttpRequest, grid_id: int):
    return grid_out(get_grid_for_user(request.auth, grid_id))
