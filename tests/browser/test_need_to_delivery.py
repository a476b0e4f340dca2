"""A social worker on a phone at a resident's door: register the household
and its need, pick a suggested resource, mark the link delivered, and see the
needs dashboard change."""

import re

import pytest
from playwright.sync_api import expect

from resourcelink.communities.services import community_create, grid_create
from resourcelink.core.testing import PASSWORD, make_station, make_user
from resourcelink.directory.services import resource_create
from resourcelink.needs.models import Link, Need
from resourcelink.people.models import Resident
from resourcelink.taxonomy.models import Category

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def station():
    station = make_station("步行街社工站", "buxingjie")
    admin = make_user("wang", station, "admin")
    community = community_create(actor=admin, station=station, name="步行街社区", code="bxj",
                                 latitude=30.2705, longitude=120.1622)
    grid_create(actor=admin, community=community, name="第一网格", code="g1")
    staple = Category.objects.get(station=station, code="food.staple")
    resource_create(actor=admin, station=station, name="爱心粮油店", kind="business", categories=[staple],
                    community=community, latitude=30.2712, longitude=120.1630, quantity=20, unit="袋")
    make_user("li", station, "social_worker")
    return station


def test_household_need_suggestion_delivered_dashboard(page, station):
    base = page.base_url
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill("li")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # Before: nothing met, nothing open.
    page.goto(f"{base}/needs/dashboard/")
    expect(page.locator("#met-72h")).to_have_text("—")

    # Register the household and its one resident.
    page.goto(f"{base}/")
    page.get_by_role("link", name="Register a household").click()
    page.get_by_label("Household name").fill("张家")
    page.get_by_label("Address").fill("步行街12号3单元502")
    page.get_by_label("Community").select_option(label="步行街社区")
    page.get_by_label("Latitude").fill("30.2701")
    page.get_by_label("Longitude").fill("120.1618")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name=re.compile(r"Household #\d+"))).to_be_visible()
    # The page shows the household masked, even to the worker who typed it.
    expect(page.locator("#household-name")).to_contain_text("张*")
    expect(page.locator("body")).not_to_contain_text("步行街12号3单元502")

    page.get_by_role("link", name="Add a resident").click()
    page.get_by_label("Name", exact=True).fill("张秀英")
    page.get_by_label("ID number").fill("11010519491231002X")
    page.get_by_label("Phone").fill("13812345678")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("body")).not_to_contain_text("13812345678")
    assert Resident.objects.get().id_number_masked.endswith("2X")

    # Record what she needs from the household page.
    page.goto(f"{base}/people/")
    page.locator(".results-list a, table a").first.click()
    page.get_by_role("link", name="Record a need").click()
    staple = Category.objects.get(station=station, code="food.staple")
    page.get_by_label("Category").select_option(str(staple.pk))
    page.get_by_label("Quantity").fill("2")
    page.get_by_label("High").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name=re.compile("Staple food"))).to_be_visible()

    # The suggestions load on the need's page; one tap links the first.
    suggestion = page.locator(".suggestion-rows li").first
    expect(suggestion).to_contain_text("爱心粮油店")
    expect(suggestion).to_contain_text("km")
    suggestion.get_by_role("button", name="Link").click()
    expect(page.locator(".card.link")).to_contain_text("爱心粮油店")
    link = Link.objects.get()
    assert (link.quantity, link.status, link.need.status) == (2, "proposed", "linked")

    # Delivered, with the resident's word for it.
    card = page.locator(f"#link-{link.pk}")
    card.locator(f"#lo-{link.pk}").fill("两袋米已送到家")
    card.locator(f"#lf-{link.pk}").fill("谢谢，很及时")
    card.get_by_role("button", name="delivered").click()
    expect(page.locator(f"#link-{link.pk}")).to_contain_text("两袋米已送到家")
    assert Need.objects.get().status == "met"

    # The dashboard now counts a need linked within the hour.
    page.goto(f"{base}/needs/dashboard/")
    expect(page.locator("#ttl-median")).to_have_text(re.compile(r"^0\.\d$"))
    expect(page.locator(".stat").first).to_contain_text("0")
