"""/plans: settings, generation, line edits, approval, hand-overs, closing and surplus."""

import datetime
from decimal import Decimal

from django.utils import timezone

from resourcelink.distribution.models import (
    Allowance,
    Handover,
    Plan,
    PlanLine,
    PlanSource,
    PlanTier,
    SurplusDecision,
)
from resourcelink.distribution.testing import ledger_problems, make_plan
from resourcelink.fund.testing import general_with
from resourcelink.inventory.models import Lot
from resourcelink.inventory.services import stock_issue
from resourcelink.people.testing import make_household, make_resident

from .store_base import StoreApiTestCase

URL = "/api/v1/plans"


class PlanApiTestCase(StoreApiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.elderly = cls.station_tag("elderly_alone")
        cls.wang_home = make_household(cls.station, community=cls.community, grid=cls.grid, name="王家")
        make_resident(cls.wang_home, name="王六", tags=[cls.elderly])
        cls.general = general_with(cls.station, cls.bob, "1000.00")
        cls.today = timezone.localdate()

    def url(self, plan, action=""):
        return f"{URL}/{plan.pk}" + (f"/{action}" if action else "")

    def plan(self, households=None, approve=False, **fields) -> Plan:
        return make_plan(self.station, households=households or [self.home, self.wang_home], lots=[self.lot],
                         quantity=10, approve=approve, **fields)

    def lines(self, plan) -> dict[int, PlanLine]:
        return {line.household_id: line for line in PlanLine.objects.filter(plan=plan)}

    def assertLedgersAgree(self, plan):
        self.assertEqual(ledger_problems(plan), [])


class PlanSettingsApiTests(PlanApiTestCase):
    def test_editors_set_up_and_generate_a_draft(self):
        response = self.post(URL, self.carol, {"name": "防疫物资发放", "distribute_on": self.today.isoformat(),
                                               "communities": [self.community.pk]})
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual((body["status"], [c["code"] for c in body["communities"]]), ("draft", ["dongpo"]))
        plan = Plan.objects.get(pk=body["id"])
        response = self.post(self.url(plan, "sources"), self.bob, {"lot": self.lot.pk, "quantity": 15})
        self.assertEqual((response.status_code, response.json()["quantity"]), (200, 15), response.content)
        response = self.post(self.url(plan, "sources"), self.bob, {"fund_account": self.general.pk})
        self.assertEqual((response.status_code, response.json()["fund_account"]["id"]), (200, self.general.pk))
        response = self.put(self.url(plan, "tiers/1"), self.bob, {"tags": [self.elderly.pk]})
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual([t["code"] for t in response.json()["tags"]], ["elderly_alone"])
        response = self.post(self.url(plan, "allowances"), self.bob, {"item": self.masks_item.pk, "quantity": 10})
        self.assertEqual((response.status_code, response.json()["basis"]), (201, "household"))
        response = self.post(self.url(plan, "allowances"), self.bob, {"amount": "200", "basis": "household"})
        self.assertEqual(response.status_code, 201, response.content)
        response = self.post(self.url(plan, "generate"), self.bob, {})
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        # 15 masks: one household gets its 10, the other is short (whole allowances only); money for both.
        self.assertEqual((body["recipients"], body["shortfalls"]), (2, {"part_only": 1}))
        self.assertEqual({(s["lot"]["id"] if s["lot"] else None, Decimal(s["planned"])) for s in body["sources"]},
                         {(self.lot.pk, Decimal(10)), (None, Decimal(400))})
        self.assertEqual([(a["basis"], Decimal(a["asked"]), Decimal(a["planned"])) for a in body["allowances"]],
                         [("household", Decimal(20), Decimal(10)), ("household", Decimal(400), Decimal(400))])
        lines = self.get(self.url(plan, "lines"), self.bob).json()
        self.assertEqual(lines["count"], 2)
        self.assertEqual({r["household_name"] for r in lines["results"]}, {"张*", "王*"})
        self.assertNotIn("张家", self.get(self.url(plan, "lines"), self.bob).content.decode())
        shortfalls = self.get(self.url(plan, "shortfalls"), self.bob).json()
        self.assertEqual([(s["reason"], s["households"], s["allowances"][0]["quantity"]) for s in shortfalls],
                         [("part_only", 1, 10)])
        grids = self.get(self.url(plan, "grids"), self.bob).json()
        self.assertEqual([(g["grid"]["code"], g["lines"]) for g in grids], [("g1", 2)])
        listed = self.get(URL, self.victor, status="draft").json()["results"]
        self.assertEqual([(p["id"], p["lines_total"]) for p in listed], [(plan.pk, 2)])

    def test_settings_are_checked_and_nothing_changes(self):
        self.assertError(self.post(URL, self.bob, {"name": " ", "distribute_on": self.today.isoformat()}), 400,
                         "name")
        self.assertError(self.post(URL, self.bob, {"name": "X", "distribute_on": "soon"}), 400, "distribute_on")
        self.assertError(self.post(URL, self.bob, {"name": "X", "distribute_on": self.today.isoformat(),
                                                   "communities": [self.other_community.pk]}), 400, "communities")
        self.assertFalse(Plan.objects.exists())
        plan = self.plan(generate=False)
        sources = PlanSource.objects.filter(plan=plan).count()
        self.assertError(self.post(self.url(plan, "sources"), self.bob, {"lot": self.other_lot.pk}), 400, "lot")
        self.assertError(self.post(self.url(plan, "sources"), self.bob, {}), 400, "lot")
        self.assertError(self.post(self.url(plan, "sources"), self.bob, {"lot": self.rice_lot.pk, "amount": "5"}),
                         400, "amount")
        self.assertError(self.post(self.url(plan, "allowances"), self.bob,
                                   {"item": self.masks_item.pk, "quantity": 1, "basis": "family"}), 400, "basis")
        self.assertError(self.post(self.url(plan, "allowances"), self.bob,
                                   {"item": self.masks_item.pk, "quantity": 1, "amount": "5"}), 400, "amount")
        self.assertError(self.post(self.url(plan, "allowances"), self.bob, {"amount": "5.50"}), 400, "amount")
        self.assertError(self.put(self.url(plan, "tiers/2"), self.bob, {"households": [self.other_home.pk]}), 400,
                         "households")
        self.assertError(self.put(self.url(plan, "tiers/2"), self.bob, {}), 400, "tags")
        self.assertError(self.put(self.url(plan, "tiers/99"), self.bob, {"tags": [self.elderly.pk]}), 400, "rank")
        self.assertEqual(PlanSource.objects.filter(plan=plan).count(), sources)
        self.assertEqual((Allowance.objects.filter(plan=plan).count(), PlanTier.objects.filter(plan=plan).count()),
                         (1, 1))
        empty = self.post(URL, self.bob, {"name": "空", "distribute_on": self.today.isoformat()}).json()
        body = self.assertError(self.post(f"{URL}/{empty['id']}/generate", self.bob, {}), 400)
        self.assertEqual(set(body["errors"]), {"tiers", "allowances", "sources"})

    def test_settings_are_changed_and_removed_on_a_draft_only(self):
        plan = self.plan()
        response = self.patch(self.url(plan), self.bob, {"name": "改名", "reason": "更清楚"})
        self.assertEqual((response.status_code, response.json()["name"]), (200, "改名"))
        response = self.patch(self.url(plan), self.bob, {"whole_allowances": False})
        self.assertTrue(response.json()["generation"]["stale"])
        source = PlanSource.objects.get(plan=plan)
        allowance = Allowance.objects.get(plan=plan)
        self.assertEqual(self.client.delete(self.url(plan, f"sources/{source.pk}"),
                                            headers=self.auth(self.bob)).status_code, 204)
        self.assertEqual(self.client.delete(self.url(plan, f"allowances/{allowance.pk}"),
                                            headers=self.auth(self.bob)).status_code, 204)
        self.assertEqual(self.client.delete(self.url(plan, "tiers/1"), headers=self.auth(self.bob)).status_code, 204)
        self.assertError(self.client.delete(self.url(plan, "tiers/1"), headers=self.auth(self.bob)), 404)
        self.assertFalse(PlanSource.objects.filter(plan=plan).exists())
        self.assertFalse(PlanTier.objects.filter(plan=plan).exists())
        approved = self.plan(approve=True)
        other_source = PlanSource.objects.get(plan=approved)
        # Another plan's setting is not this plan's.
        self.assertError(self.client.delete(self.url(plan, f"sources/{other_source.pk}"),
                                            headers=self.auth(self.bob)), 404)
        for response in (self.patch(self.url(approved), self.bob, {"name": "改"}),
                         self.post(self.url(approved, "sources"), self.bob, {"lot": self.rice_lot.pk}),
                         self.put(self.url(approved, "tiers/2"), self.bob, {"tags": [self.elderly.pk]}),
                         self.post(self.url(approved, "generate"), self.bob, {}),
                         self.client.delete(self.url(approved, f"sources/{other_source.pk}"),
                                            headers=self.auth(self.bob))):
            self.assertError(response, 409)
        approved.refresh_from_db()
        self.assertEqual((approved.status, PlanSource.objects.filter(plan=approved).count()), ("approved", 1))

    def test_a_cancelled_draft_is_kept_with_its_reason(self):
        plan = self.plan()
        self.assertError(self.post(self.url(plan, "cancel"), self.bob, {"reason": ""}), 400, "reason")
        response = self.post(self.url(plan, "cancel"), self.carol, {"reason": "物资改用于别处"})
        self.assertEqual((response.status_code, response.json()["status"], response.json()["status_reason"]),
                         (200, "cancelled", "物资改用于别处"))
        self.assertError(self.post(self.url(plan, "cancel"), self.carol, {"reason": "again"}), 409)


class PlanLineApiTests(PlanApiTestCase):
    def test_draft_lines_are_edited_with_a_reason(self):
        plan = self.plan()
        line = self.lines(plan)[self.home.pk]
        portion = line.portions.get()
        url = self.url(plan, f"lines/{line.pk}")
        self.assertError(self.patch(url, self.bob, {"quantities": {str(portion.pk): 5}, "reason": " "}), 400,
                         "reason")
        self.assertError(self.patch(url, self.bob, {"quantities": {str(portion.pk): 101}, "reason": "多给"}), 400,
                         "quantities")
        self.assertError(self.patch(url, self.bob, {"quantities": {"999999": 1}, "reason": "x"}), 400, "quantities")
        self.assertEqual(line.portions.get().quantity, 10)
        response = self.patch(url, self.bob, {"quantities": {str(portion.pk): 5}, "reason": "家里只有一人"})
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual((body["portions"][0]["quantity"], body["edit_reason"], body["household_name"]),
                         (5, "家里只有一人", "张*"))
        response = self.post(self.url(plan, f"lines/{self.lines(plan)[self.wang_home.pk].pk}/remove"), self.bob,
                             {"reason": "已搬走"})
        self.assertEqual((response.status_code, response.json()["status"]), (200, "removed"))
        self.assertEqual(self.get(self.url(plan), self.bob).json()["recipients"], 1)
        # A line of another plan is not found under this one.
        other = self.plan(households=[self.wang_home])
        other_line = PlanLine.objects.get(plan=other)
        self.assertError(self.patch(self.url(plan, f"lines/{other_line.pk}"), self.bob,
                                    {"quantities": {}, "reason": "x"}), 404)

    def test_lines_of_an_approved_plan_are_fixed(self):
        plan = self.plan(approve=True)
        line = self.lines(plan)[self.home.pk]
        portion = line.portions.get()
        self.assertError(self.patch(self.url(plan, f"lines/{line.pk}"), self.bob,
                                    {"quantities": {str(portion.pk): 5}, "reason": "x"}), 409)
        self.assertError(self.post(self.url(plan, f"lines/{line.pk}/remove"), self.bob, {"reason": "x"}), 409)
        self.assertEqual((line.portions.get().quantity, PlanLine.objects.get(pk=line.pk).status), (10, "planned"))

    def test_lines_are_filtered_and_paged(self):
        plan = self.plan()
        self.assertEqual(self.get(self.url(plan, "lines"), self.bob, grid=self.grid.pk).json()["count"], 2)
        self.assertEqual(self.get(self.url(plan, "lines"), self.bob, grid="none").json()["count"], 0)
        self.assertEqual(self.get(self.url(plan, "lines"), self.bob, status="handed_over").json()["count"], 0)
        page = self.get(self.url(plan, "lines"), self.bob, page_size=1).json()
        self.assertEqual((page["count"], len(page["results"]), page["previous"]), (2, 1, None))
        self.assertIn("page=2", page["next"])
        self.assertError(self.get(self.url(plan, "lines"), self.bob, page=3, page_size=1), 404)
        self.assertError(self.get(self.url(plan, "lines"), self.bob, status="lost"), 400, "status")
        self.assertError(self.get(self.url(plan, "lines"), self.bob, grid=self.other_grid.pk), 400, "grid")


class PlanApprovalApiTests(PlanApiTestCase):
    def test_an_admin_approves_and_the_stock_is_reserved(self):
        plan = self.plan()
        for user in (self.bob, self.carol, self.victor):
            self.assertError(self.post(self.url(plan, "approve"), user, {}), 403)
        response = self.post(self.url(plan, "approve"), self.alice, {})
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual((body["status"], body["approved_by"]["id"]), ("approved", self.alice.pk))
        self.assertEqual(Decimal(body["sources"][0]["reserved"]), Decimal(20))
        self.assertEqual(Lot.objects.get(pk=self.lot.pk).reserved, 20)
        self.assertError(self.post(self.url(plan, "approve"), self.alice, {}), 409)
        self.assertError(self.post(self.url(plan, "unapprove"), self.alice, {"reason": ""}), 400, "reason")
        response = self.post(self.url(plan, "unapprove"), self.alice, {"reason": "再看看"})
        self.assertEqual((response.status_code, response.json()["status"]), (200, "draft"))
        self.assertEqual(Lot.objects.get(pk=self.lot.pk).reserved, 0)
        self.assertLedgersAgree(plan)

    def test_approval_is_a_conflict_when_the_stock_has_gone(self):
        plan = self.plan()
        stock_issue(actor=None, lot=self.lot, quantity=85, from_reserved=False, check=False)
        body = self.assertError(self.post(self.url(plan, "approve"), self.alice, {}), 409, "quantity")
        self.assertIn(f"#{self.lot.pk}", body["detail"])
        plan.refresh_from_db()
        self.assertEqual((plan.status, Lot.objects.get(pk=self.lot.pk).reserved), ("draft", 0))
        self.assertLedgersAgree(plan)


class HandoverApiTests(PlanApiTestCase):
    def test_lines_are_handed_over_one_by_one_and_in_bulk(self):
        third = make_household(self.station, community=self.community, name="李家")
        plan = self.plan(households=[self.home, self.wang_home, third], approve=True)
        lines = self.lines(plan)
        url = self.url(plan, f"lines/{lines[self.home.pk].pk}/handover")
        response = self.post(url, self.carol, {"collected_by": "邻居代领", "note": "已签字"})
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual((body["plan_status"], body["line"]["status"], body["line"]["handover_method"]),
                         ("in_progress", "handed_over", "sheet"))
        self.assertEqual(Handover.objects.get(line=lines[self.home.pk]).recorded_by, self.carol)
        body = self.assertError(self.post(url, self.bob, {}), 400)
        self.assertIn("already", body["detail"])
        others = [lines[self.wang_home.pk].pk, lines[third.pk].pk]
        self.assertError(self.post(self.url(plan, "handovers"), self.bob,
                                   {"line_ids": [*others, lines[self.home.pk].pk]}), 400, "line_ids")
        self.assertError(self.post(self.url(plan, "handovers"), self.bob, {"line_ids": []}), 400, "line_ids")
        self.assertEqual(Handover.objects.count(), 1)
        response = self.post(self.url(plan, "handovers"), self.bob, {"line_ids": others, "note": "集中发放"})
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual((response.json()["handed_over"], response.json()["line_ids"]), (2, sorted(others)))
        self.assertEqual(Lot.objects.get(pk=self.lot.pk).on_hand, 70)
        self.assertLedgersAgree(plan)

    def test_the_time_of_a_hand_over_may_be_given_in_local_time(self):
        plan = self.plan(approve=True)
        url = self.url(plan, f"lines/{self.lines(plan)[self.home.pk].pk}/handover")
        tomorrow = timezone.now() + datetime.timedelta(days=1)
        self.assertError(self.post(url, self.bob, {"handed_over_on": tomorrow.isoformat()}), 400, "handed_over_on")
        self.assertFalse(Handover.objects.exists())
        earlier = (timezone.localtime() - datetime.timedelta(hours=2)).replace(tzinfo=None, microsecond=0)
        response = self.post(url, self.bob, {"handed_over_on": earlier.isoformat()})
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(Handover.objects.get().handed_over_on, timezone.make_aware(earlier))

    def test_nothing_is_handed_over_unless_the_plan_is_live(self):
        plan = self.plan()
        line = next(iter(self.lines(plan).values()))
        self.assertError(self.post(self.url(plan, f"lines/{line.pk}/handover"), self.bob, {}), 409)
        self.assertError(self.post(self.url(plan, "handovers"), self.bob, {"line_ids": [line.pk]}), 409)
        self.assertFalse(Handover.objects.exists())
        self.assertEqual(Lot.objects.get(pk=self.lot.pk).on_hand, 100)


class CloseAndSurplusApiTests(PlanApiTestCase):
    def test_closing_releases_and_the_surplus_is_decided(self):
        plan = self.plan(approve=True)
        lines = self.lines(plan)
        self.post(self.url(plan, f"lines/{lines[self.home.pk].pk}/handover"), self.bob, {})
        self.assertError(self.post(self.url(plan, "close"), self.bob, {}), 403)
        response = self.post(self.url(plan, "close"), self.alice, {"reason": "发放结束"})
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual((response.json()["status"], response.json()["lines_by_status"]["not_collected"]),
                         ("closed", 1))
        self.assertEqual(Lot.objects.get(pk=self.lot.pk).reserved, 0)
        surplus = self.get(self.url(plan, "surplus"), self.victor).json()
        self.assertEqual([(r["lot"]["id"], r["released"], r["left"]) for r in surplus["lots"]], [(self.lot.pk, 10, 10)])
        url = self.url(plan, "surplus")
        self.assertError(self.post(url, self.bob, {"lot": self.lot.pk, "kind": "online", "quantity": 3}), 400,
                         "activity")
        self.assertError(self.post(url, self.bob, {"lot": self.lot.pk, "kind": "keep", "quantity": 11}), 400,
                         "quantity")
        self.assertError(self.post(url, self.bob, {"lot": self.rice_lot.pk, "kind": "keep", "quantity": 1}), 400,
                         "lot")
        self.assertError(self.post(url, self.bob, {"lot": self.lot.pk, "kind": "commend", "quantity": 4,
                                                   "awards": [{"name": "小李", "quantity": 3}]}), 400, "awards")
        self.assertError(self.post(url, self.bob, {"lot": self.lot.pk, "kind": "transfer", "quantity": 1,
                                                   "to_store": self.other_store.pk}), 400, "to_store")
        self.assertFalse(SurplusDecision.objects.exists())
        response = self.post(url, self.carol, {"lot": self.lot.pk, "kind": "commend", "quantity": 4,
                                               "awards": [{"name": "志愿者小李", "quantity": 4}], "reason": "辛苦"})
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual([(d["kind"], d["quantity"], d["awards"][0]["name"]) for d in body["decisions"]],
                         [("commend", 4, "志****")])
        response = self.post(url, self.bob, {"lot": self.lot.pk, "kind": "transfer", "quantity": 6,
                                             "to_store": self.store2.pk})
        self.assertEqual((response.status_code, response.json()["lots"][0]["left"]), (201, 0))
        self.assertEqual(Lot.objects.get(store=self.store2, source_lot=self.lot).on_hand, 6)
        self.assertEqual(Lot.objects.get(pk=self.lot.pk).on_hand, 80)
        viewer = self.get(url, self.victor).json()["decisions"]
        self.assertEqual([(a["name"], a["resident"]) for d in viewer for a in d["awards"]], [(None, None)])
        self.assertEqual({d["reason"] for d in viewer}, {None})
        self.assertLedgersAgree(plan)

    def test_surplus_waits_for_the_plan_to_close(self):
        plan = self.plan(approve=True)
        self.assertError(self.post(self.url(plan, "surplus"), self.bob, {"lot": self.lot.pk, "kind": "keep",
                                                                        "quantity": 1}), 400)
        self.assertFalse(SurplusDecision.objects.exists())


class PlanAccessApiTests(PlanApiTestCase):
    def endpoints(self, plan, line):
        """(method, url, body) of every operation on a plan."""
        return [
            ("patch", self.url(plan), {"name": "改"}),
            ("post", self.url(plan, "sources"), {"lot": self.rice_lot.pk}),
            ("put", self.url(plan, "tiers/2"), {"tags": [self.elderly.pk]}),
            ("delete", self.url(plan, "tiers/1"), None),
            ("post", self.url(plan, "allowances"), {"item": self.masks_item.pk, "quantity": 1}),
            ("post", self.url(plan, "generate"), {}),
            ("patch", self.url(plan, f"lines/{line.pk}"), {"quantities": {}, "reason": "x"}),
            ("post", self.url(plan, f"lines/{line.pk}/remove"), {"reason": "x"}),
            ("post", self.url(plan, "approve"), {}),
            ("post", self.url(plan, "unapprove"), {"reason": "x"}),
            ("post", self.url(plan, "cancel"), {"reason": "x"}),
            ("post", self.url(plan, "close"), {}),
            ("post", self.url(plan, f"lines/{line.pk}/handover"), {}),
            ("post", self.url(plan, "handovers"), {"line_ids": [line.pk]}),
            ("post", self.url(plan, "surplus"), {"lot": self.lot.pk, "kind": "keep", "quantity": 1}),
        ]

    def call(self, method, url, user, body):
        if method == "delete":
            return self.client.delete(url, headers=self.auth(user))
        return getattr(self, method)(url, user, body)

    def test_a_viewer_reads_without_personal_data_and_may_not_write(self):
        plan = self.plan()
        name = plan.name
        line = self.lines(plan)[self.home.pk]
        for url in (URL, self.url(plan), self.url(plan, "lines"), self.url(plan, "grids"),
                    self.url(plan, "shortfalls"), self.url(plan, "surplus")):
            response = self.get(url, self.victor)
            self.assertEqual(response.status_code, 200, url)
            self.assertNoPersonalData(response)
            self.assertNotIn("王*", response.content.decode())
        row = self.get(self.url(plan, "lines"), self.victor).json()["results"][0]
        self.assertEqual((row["household_name"], row["edit_reason"]), (None, None))
        tiers = self.get(self.url(plan), self.victor).json()["tiers"]
        self.assertEqual({h["name"] for h in tiers[0]["households"]}, {None})
        for method, url, body in self.endpoints(plan, line):
            self.assertError(self.call(method, url, self.victor, body), 403)
        plan.refresh_from_db()
        self.assertEqual((plan.name, plan.status, PlanTier.objects.filter(plan=plan).count()),
                         (name, "draft", 1))

    def test_an_outsider_gets_404(self):
        plan = self.plan()
        line = self.lines(plan)[self.home.pk]
        for url in (self.url(plan), self.url(plan, "lines"), self.url(plan, "grids"), self.url(plan, "shortfalls"),
                    self.url(plan, "surplus")):
            self.assertError(self.get(url, self.oscar), 404)
        self.assertError(self.get(URL, self.oscar, station=self.station.pk), 404)
        self.assertError(self.post(URL, self.oscar, {"station": self.station.pk, "name": "X",
                                                     "distribute_on": self.today.isoformat()}), 404)
        for method, url, body in self.endpoints(plan, line):
            self.assertError(self.call(method, url, self.oscar, body), 404)
        self.assertEqual(self.get(URL, self.oscar).json()["count"], 0)
        plan.refresh_from_db()
        self.assertEqual((plan.status, Plan.objects.count()), ("draft", 1))
