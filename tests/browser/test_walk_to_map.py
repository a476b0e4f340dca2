"""A social worker on a phone: log in, record what she sees on a community
walk, make it a resource, and find it on the map and in search."""

import re

import pytest
from playwright.sync_api import expect

from resourcelink.communities.models import Grid
from resourcelink.communities.services import community_create, grid_create
from resourcelink.core.testing import PASSWORD, make_station, make_user
from resourcelink.directory.models import Resource
from resourcelink.taxonomy.models import Category

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def station():
    station = make_station("步行街社工站", "buxingjie")
    admin = make_user("wang", station, "admin")
    community = community_create(actor=admin, station=station, name="步行街社区", code="bxj",
                                 latitude=30.2705, longitude=120.1622)
    grid_create(actor=admin, community=community, name="第一网格", code="g1")
    make_user("li", station, "social_worker")
    return station


def test_walk_observation_promote_map_and_search(page, station):
    base = page.base_url
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill("li")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="步行街社工站")).to_be_visible()

    # Start a walk from the dashboard.
    page.get_by_role("link", name="Start a community walk").click()
    page.get_by_label("Community").select_option(label="步行街社区")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name=re.compile("Walk in 步行街社区"))).to_be_visible()

    # Record what she sees, with the phone's location.
    page.get_by_role("link", name="Add an observation").click()
    page.get_by_label("What was seen").fill("爱心理发店")
    page.get_by_label("Kind").select_option("business")
    haircut = Category.objects.get(station=station, code="care.haircut")
    page.get_by_label("Category").select_option(str(haircut.pk))
    page.get_by_label("Grid").select_option(str(Grid.objects.get(code="g1").pk))
    page.get_by_label("Notes").fill("Free haircuts for the elderly on Tuesdays")
    page.get_by_role("button", name="Use my location").click()
    expect(page.get_by_label("Latitude")).to_have_value(re.compile(r"^30\.270"))
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("爱心理发店", exact=True)).to_be_visible()

    # Promote it: one action makes it a resource.
    page.get_by_role("button", name="Make it a resource").click()
    expect(page.get_by_role("heading", name="爱心理发店")).to_be_visible()
    resource = Resource.objects.get(name="爱心理发店")
    assert resource.source == "walk" and resource.latitude == pytest.approx(30.2705)

    # It is on the map, without any tile server.
    page.goto(f"{base}/directory/map/?q=理发")
    expect(page.locator("#map-status")).to_contain_text("1")
    expect(page.locator('.legend .on-map[data-kind="business"]')).to_contain_text("1")
    # The map fits its one point, so the point is at the centre of the canvas.
    expect(page.locator("#map")).to_have_attribute("data-state", "ready")
    page.locator("#map").scroll_into_view_if_needed()
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator(".leaflet-popup-content")).to_contain_text("爱心理发店")

    # And search finds it, in Chinese and by its category's English name.
    page.goto(f"{base}/directory/resources/")
    page.get_by_label("Search").fill("理发")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator(".resource-rows")).to_contain_text("爱心理发店")
    page.get_by_label("Search").fill("haircut")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator(".resource-rows")).to_contain_text("爱心理发店")

    # Choosing a community offers its grids (the box reloads through htmx).
    page.get_by_text("More filters").click()
    expect(page.locator("#id_grid option")).to_have_count(1)
    page.get_by_label("Community").select_option(label="步行街社区")
    expect(page.locator("#id_grid option")).to_have_count(2)
    expect(page.locator("#id_grid")).to_contain_text("第一网格")
