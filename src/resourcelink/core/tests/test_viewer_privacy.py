"""A viewer never sees a resident's personal data, on any page of any app.

The page list is not written by hand: every GET-able URL pattern of the
project is walked, and each one with an id is tried with the id of every
record in the fixture, so a page added later is checked without anyone
remembering to. The API and the exports a viewer may download are added
explicitly, as their URLs take query parameters.
"""

import io

import openpyxl
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from resourcelink.directory.services import resource_create
from resourcelink.distribution.models import PlanSource
from resourcelink.distribution.services import handover_record
from resourcelink.distribution.testing import make_plan
from resourcelink.inventory.services import stock_write_off
from resourcelink.matching.services import allocation_run_create
from resourcelink.needs.services import link_create
from resourcelink.needs.testing import make_need
from resourcelink.people.models import DuplicateCandidate
from resourcelink.people.testing import make_resident
from resourcelink.people.tests.base import PeopleTestCase
from resourcelink.taxonomy.models import Category

SKIP_PREFIXES = ("/api/", "/i18n/", "/accounts/logout", "/static/", "/media/")


def url_patterns(resolver=None, prefix=""):
    """(route, names of int arguments) for every pattern, nested ones too."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from url_patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            converters = getattr(entry.pattern, "converters", {})
            yield prefix + str(entry.pattern), converters


def readable(response) -> str:
    """A response's text; a workbook's cells, all sheets, one per line."""
    data = b"".join(response.streaming_content) if response.streaming else response.content
    if "spreadsheetml" not in response.get("Content-Type", ""):
        return data.decode("utf-8-sig", errors="replace")
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return "\n".join(str(value) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                     for value in row if value is not None)


class ViewerPrivacyTests(PeopleTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        staple = Category.objects.get(station=cls.station, code="food.staple")
        cls.resource = resource_create(actor=cls.alice, station=cls.station, name="爱心粮油店", kind="business",
                                       categories=[staple], quantity=10, community=cls.community)
        cls.need = make_need(cls.household, staple, resident=cls.zhang, quantity=2,
                             description="需要两袋米")
        cls.link = link_create(actor=cls.bob, need=cls.need, resource=cls.resource, quantity=1)
        other_need = make_need(cls.household, staple, quantity=3)
        cls.allocation = allocation_run_create(actor=cls.bob, station=cls.station, parameters={})
        cls.twin = make_resident(cls.household, name="张建国", phone="13812345678", confirm_duplicate=True)
        cls.duplicate = DuplicateCandidate.objects.filter(station=cls.station).first()
        # The store room and a plan handing over to the household, with free text naming a resident.
        cls.plan = make_plan(cls.station, actor=cls.alice, households=[cls.household], units_per_lot=50,
                             approve=True)
        cls.line = cls.plan.lines.get()
        handover_record(actor=cls.bob, line=cls.line, collected_by="张建国的邻居", note="张建国行动不便")
        cls.lot = PlanSource.objects.filter(plan=cls.plan, lot__isnull=False).first().lot
        stock_write_off(actor=cls.alice, lot=cls.lot, quantity=1, reason="张建国退回一只破损的")
        cls.ids = sorted({obj.pk for obj in (cls.household, cls.zhang, cls.li, cls.twin, cls.need, other_need,
                                             cls.link, cls.allocation, cls.resource, cls.consent, cls.elderly,
                                             cls.plan, cls.line, cls.lot, cls.lot.store, cls.lot.item)
                          if obj is not None} | ({cls.duplicate.pk} if cls.duplicate else set()))

    def urls(self):
        for route, converters in url_patterns():
            route = "/" + route.lstrip("^").rstrip("$")
            if route.startswith(SKIP_PREFIXES) or "(?P" in route:
                continue
            if any(type(c).__name__ != "IntConverter" for c in converters.values()):
                continue  # reveals and the like: POST only, with a field name
            if len(converters) > 1:
                continue
            if not converters:
                yield route
                continue
            (name,) = converters
            for pk in self.ids:
                yield route.replace(f"<int:{name}>", str(pk))

    def assert_clean(self, body: str, url: str):
        for value in self.PERSONAL:
            self.assertNotIn(value, body, f"{value} shown to a viewer on {url}")
        self.assertNotIn("需要两袋米", body, f"a need's description shown to a viewer on {url}")
        self.assertNotIn("邻居", body, f"who collected a hand-over shown to a viewer on {url}")

    def test_it_shows_a_viewer_no_personal_data_anywhere(self):
        self.login(self.victor)
        seen_ok = set()
        urls = list(self.urls())
        self.assertGreater(len(urls), 60)
        for url in urls:
            response = self.client.get(url)
            if response.status_code == 200:
                seen_ok.add(url.split("?")[0])
            if response.get("Content-Type", "").startswith(("text/", "application/json")):
                self.assert_clean(response.content.decode(), url)
        # The pages a viewer is meant to read were really rendered.
        for name, args in [("people:household_detail", [self.household.pk]), ("needs:need_list", []),
                           ("needs:need_detail", [self.need.pk]), ("needs:dashboard", []),
                           ("matching:run_detail", [self.allocation.pk]), ("matching:gap_report", []),
                           ("matching:suggestions", [self.need.pk]), ("people:resident_detail", [self.zhang.pk]),
                           ("inventory:stock", []), ("inventory:ledger", []), ("inventory:lot_detail", [self.lot.pk]),
                           ("distribution:plan_detail", [self.plan.pk]), ("distribution:plan_list", [])]:
            self.assertIn(reverse(name, args=args), seen_ok, name)

    def test_it_gives_a_viewer_no_personal_data_through_the_api_or_exports(self):
        self.login(self.victor)
        urls = [
            "/api/v1/households", f"/api/v1/households/{self.household.pk}", "/api/v1/residents",
            f"/api/v1/residents/{self.zhang.pk}", "/api/v1/needs", f"/api/v1/needs/{self.need.pk}",
            f"/api/v1/needs/{self.need.pk}/suggestions", "/api/v1/links", f"/api/v1/links/{self.link.pk}",
            "/api/v1/allocations", f"/api/v1/allocations/{self.allocation.pk}",
            reverse("interop:people_export") + "?sheet=needs&format=csv",
            reverse("matching:gap_report") + "?format=csv",
            f"/api/v1/plans/{self.plan.pk}", f"/api/v1/plans/{self.plan.pk}/lines", "/api/v1/donors",
            f"/api/v1/lots/{self.lot.pk}/moves", "/api/v1/fund/accounts",
            reverse("distribution:plan_export", args=[self.plan.pk]),
            reverse("inventory:ledger_export"), reverse("inventory:stock_export"),
        ]
        for url in urls:
            response = self.client.get(url)
            self.assertIn(response.status_code, (200, 403), url)
            body = readable(response)
            if response.status_code == 200:
                self.assertTrue(body.strip(), f"nothing read from {url}")
            self.assert_clean(body, url)
        self.assertEqual(self.client.get("/api/v1/needs").status_code, 200)
