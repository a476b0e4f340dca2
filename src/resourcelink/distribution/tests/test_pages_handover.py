"""Hand-overs, sheets, passes, the list export and the surplus through HTTP:
a staff member records one line or a grid in bulk; a volunteer with no
account opens a pass link and records lines by their QR codes (expired,
revoked and missing passes explain themselves); the printable sheets carry
a QR code per line and no unmasked personal data; closing leads to the
surplus decisions."""

import datetime
import io
import re

from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from resourcelink.distribution import selectors, services
from resourcelink.distribution.models import (
    Handover,
    HandoverMethod,
    HandoverPass,
    LineStatus,
    PlanStatus,
    SurplusDecision,
    SurplusKind,
)
from resourcelink.distribution.testing import get_tag
from resourcelink.distribution.views import PASSES_SESSION_KEY
from resourcelink.inventory.models import Lot

from .test_pages import PlanPagesTestCase


class LivePlanTestCase(PlanPagesTestCase):
    def setUp(self):
        self.approve()
        self.zhang_line = self.line_of(self.household)
        self.wang_line = self.line_of(self.wang_home)
        self.chen_line = self.line_of(self.chen_home)


class StaffHandoverTests(LivePlanTestCase):
    def test_a_staff_member_records_one_line_and_the_plan_is_in_progress(self):
        self.login(self.bob)
        back = self.url("plan_detail", self.plan.pk) + "?grid=none"
        r = self.client.post(self.url("handover_record", self.chen_line.pk),
                             {"collected_by": "邻居老李", "next": back})
        self.assertRedirects(r, back)
        handover = Handover.objects.get(line=self.chen_line)
        self.assertEqual((handover.method, handover.collected_by, handover.recorded_by),
                         (HandoverMethod.SHEET, "邻居老李", self.bob))
        self.plan.refresh_from_db()
        self.assertEqual(self.plan.status, PlanStatus.IN_PROGRESS)
        r = self.client.get(self.url("plan_list"))
        self.assertContains(r, "1 of 3 lines handed over")

    def test_a_second_hand_over_of_a_line_says_when_the_first_was(self):
        self.login(self.bob)
        self.client.post(self.url("handover_record", self.chen_line.pk))
        r = self.client.post(self.url("handover_record", self.chen_line.pk), follow=True)
        self.assertContains(r, f"Line #{self.chen_line.pk} was already handed over on")
        self.assertEqual(Handover.objects.filter(line=self.chen_line).count(), 1)

    def test_an_unsafe_next_is_ignored(self):
        self.login(self.bob)
        r = self.client.post(self.url("handover_record", self.chen_line.pk), {"next": "https://evil.example/"})
        self.assertRedirects(r, self.url("plan_detail", self.plan.pk))

    def test_viewers_get_403_and_outsiders_404(self):
        for user, status in ((self.victor, 403), (self.oscar, 404)):
            self.login(user)
            self.assertEqual(self.client.post(self.url("handover_record", self.chen_line.pk)).status_code, status)
        self.assertFalse(Handover.objects.exists())


class BulkHandoverTests(LivePlanTestCase):
    def test_it_records_ticked_lines_of_a_grid_after_confirming(self):
        self.login(self.bob)
        page = self.url("handover_bulk", self.plan.pk)
        r = self.client.get(page)
        self.assertContains(r, self.grid.name)
        r = self.client.get(page, {"grid": self.grid.pk})
        self.assertEqual({row["line"].pk for row in r.context["rows"]}, {self.zhang_line.pk, self.wang_line.pk})
        r = self.client.post(page, {"grid": self.grid.pk, "lines": [self.zhang_line.pk], "note": "第一批"})
        self.assertTrue(r.context["confirming"])
        self.assertContains(r, "Record 1 hand-over?")
        self.assertFalse(Handover.objects.exists())
        r = self.client.post(page, {"grid": self.grid.pk, "lines": [self.zhang_line.pk], "note": "第一批",
                                    "confirm": "yes"}, follow=True)
        self.assertContains(r, "1 hand-over was recorded.")
        handover = Handover.objects.get()
        self.assertEqual((handover.line, handover.method, handover.note),
                         (self.zhang_line, HandoverMethod.BULK, "第一批"))

    def test_all_planned_lines_of_a_grid(self):
        self.login(self.bob)
        r = self.client.post(self.url("handover_bulk", self.plan.pk), {"grid": self.grid.pk, "all_planned": "on",
                                                                        "confirm": "yes"})
        self.assertRedirects(r, self.url("plan_detail", self.plan.pk))
        self.assertEqual(set(Handover.objects.values_list("line_id", flat=True)),
                         {self.zhang_line.pk, self.wang_line.pk})
        self.chen_line.refresh_from_db()
        self.assertEqual(self.chen_line.status, LineStatus.PLANNED)

    def test_lines_outside_the_grid_or_none_ticked_are_refused_and_nothing_is_recorded(self):
        self.login(self.bob)
        page = self.url("handover_bulk", self.plan.pk)
        for data, message in [
            ({"grid": self.grid.pk, "confirm": "yes"}, "Tick the lines that were handed over"),
            ({"grid": self.grid.pk, "lines": [self.chen_line.pk], "confirm": "yes"}, "Select a valid choice."),
            ({"grid": self.grid.pk, "lines": [self.far_line.pk], "confirm": "yes"}, "Select a valid choice."),
        ]:
            r = self.client.post(page, data)
            self.assertEqual(r.status_code, 200)
            self.assertContains(r, message)
        self.assertEqual(self.client.get(page, {"grid": 999999}).status_code, 404)
        self.assertFalse(Handover.objects.exists())

    def test_viewers_get_403_and_outsiders_404(self):
        data = {"grid": self.grid.pk, "all_planned": "on", "confirm": "yes"}
        for user, status in ((self.victor, 403), (self.oscar, 404)):
            self.login(user)
            self.assertEqual(self.client.get(self.url("handover_bulk", self.plan.pk)).status_code, status)
            self.assertEqual(self.client.post(self.url("handover_bulk", self.plan.pk), data).status_code, status)
        self.assertFalse(Handover.objects.exists())


class PassTests(LivePlanTestCase):
    def create_pass(self, name="志愿者小周", hours=12):
        self.login(self.bob)
        r = self.client.post(self.url("pass_list", self.plan.pk), {"volunteer_name": name, "hours": hours})
        self.assertEqual(r.status_code, 200)
        link = r.context["created"]["link"]
        return r, link, HandoverPass.objects.get(volunteer_name=name)

    def scan(self, client, line, data=None):
        url = self.url("handover_scan", line.token)
        return client.post(url, data or {}) if data is not None else client.get(url)

    def test_the_link_and_its_qr_code_are_shown_once(self):
        r, link, handover_pass = self.create_pass()
        self.assertTrue(link.startswith("http://testserver/distribution/pass/"))
        self.assertContains(r, link)
        self.assertContains(r, '<svg', count=1)
        secret = link.rstrip("/").rsplit("/", 1)[1]
        self.assertNotIn(secret, handover_pass.secret_digest)
        r = self.client.get(self.url("pass_list", self.plan.pk))
        self.assertContains(r, "志愿者小周")
        self.assertNotContains(r, secret)

    def test_bad_pass_input_says_why(self):
        self.login(self.bob)
        r = self.client.post(self.url("pass_list", self.plan.pk), {"volunteer_name": "", "hours": "500"})
        self.assertContains(r, "This field is required.")
        self.assertContains(r, "Ensure this value is less than or equal to 72.")
        self.assertFalse(HandoverPass.objects.exists())

    def test_a_volunteer_with_no_account_records_a_line_by_its_qr_code(self):
        _r, link, handover_pass = self.create_pass()
        phone = Client()
        r = phone.get(link)
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "Welcome, 志愿者小周")
        self.assertEqual(list(phone.session[PASSES_SESSION_KEY]), [str(self.plan.pk)])
        r = self.scan(phone, self.zhang_line)
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "张*")
        self.assertContains(r, f"{self.masks.name} × 20 {self.masks.unit}")
        self.assertContains(r, "¥200.00")
        self.assertNotContains(r, "张家")
        self.assertNotContains(r, "13812345678")
        r = self.scan(phone, self.zhang_line, {"collected_by": "儿子张强"})
        self.assertRedirects(r, self.url("handover_scan", self.zhang_line.token), fetch_redirect_response=False)
        handover = Handover.objects.get(line=self.zhang_line)
        self.assertEqual((handover.method, handover.handover_pass, handover.recorded_by, handover.collected_by),
                         (HandoverMethod.QR, handover_pass, None, "儿子张强"))
        r = phone.get(self.url("handover_scan", self.zhang_line.token))
        self.assertContains(r, "Recorded: line")
        self.assertContains(r, "handed over")
        self.assertNotContains(r, 'name="collected_by"')
        # A second press (another phone, a double tap) is refused, saying when.
        r = self.scan(phone, self.zhang_line, {})
        self.assertEqual(Handover.objects.filter(line=self.zhang_line).count(), 1)

    def test_without_a_pass_the_page_explains_what_to_do(self):
        r = self.scan(Client(), self.zhang_line)
        self.assertEqual(r.status_code, 403)
        self.assertContains(r, "open the hand-over pass link your station sent you", status_code=403)
        r = self.scan(Client(), self.zhang_line, {})
        self.assertEqual(r.status_code, 403)
        self.assertNotContains(r, "张*", status_code=403)
        self.assertFalse(Handover.objects.exists())

    def test_an_expired_pass_says_so(self):
        _r, link, handover_pass = self.create_pass()
        phone = Client()
        phone.get(link)
        HandoverPass.objects.filter(pk=handover_pass.pk).update(
            expires_on=timezone.now() - datetime.timedelta(minutes=1))
        r = self.scan(phone, self.zhang_line, {})
        self.assertContains(r, "This hand-over link expired at", status_code=403)
        r = phone.get(link)
        self.assertContains(r, "This hand-over link expired at", status_code=403)
        self.assertFalse(Handover.objects.exists())

    def test_a_revoked_pass_says_so(self):
        _r, link, handover_pass = self.create_pass()
        phone = Client()
        phone.get(link)
        self.login(self.bob)
        r = self.client.post(self.url("pass_revoke", handover_pass.pk), follow=True)
        self.assertContains(r, "The pass of 志愿者小周 was revoked")
        self.assertContains(r, "revoked")
        r = self.scan(phone, self.zhang_line, {})
        self.assertContains(r, "This hand-over link was withdrawn on", status_code=403)
        self.assertFalse(Handover.objects.exists())

    def test_a_pass_opens_only_its_own_plans_lines(self):
        _r, link, _p = self.create_pass()
        phone = Client()
        phone.get(link)
        r = self.scan(phone, self.far_line, {})
        self.assertContains(r, "Your hand-over pass is for another distribution plan.", status_code=403)
        self.assertEqual(Client().get(self.url("pass_start", "not-a-secret")).status_code, 403)

    def test_a_logged_in_editor_scans_without_a_pass_viewers_and_outsiders_cannot(self):
        self.login(self.victor)
        self.assertEqual(self.scan(self.client, self.zhang_line, {}).status_code, 403)
        self.login(self.oscar)
        self.assertEqual(self.scan(self.client, self.zhang_line, {}).status_code, 404)
        self.assertFalse(Handover.objects.exists())
        self.login(self.carol)
        r = self.scan(self.client, self.zhang_line, {})
        self.assertEqual(r.status_code, 302, r.content.decode()[-3000:])
        handover = Handover.objects.get()
        self.assertEqual((handover.method, handover.recorded_by, handover.handover_pass),
                         (HandoverMethod.QR, self.carol, None))
        self.assertEqual(Client().get(self.url("handover_scan", "no-such-token")).status_code, 404)

    def test_passes_need_an_editor_and_revoking_another_stations_pass_is_404(self):
        _r, _link, handover_pass = self.create_pass()
        self.login(self.victor)
        self.assertEqual(self.client.get(self.url("pass_list", self.plan.pk)).status_code, 403)
        self.assertEqual(self.client.post(self.url("pass_list", self.plan.pk),
                                          {"volunteer_name": "x", "hours": 2}).status_code, 403)
        self.assertEqual(self.client.post(self.url("pass_revoke", handover_pass.pk)).status_code, 403)
        self.login(self.oscar)
        self.assertEqual(self.client.get(self.url("pass_list", self.plan.pk)).status_code, 404)
        self.assertEqual(self.client.post(self.url("pass_revoke", handover_pass.pk)).status_code, 404)
        handover_pass.refresh_from_db()
        self.assertIsNone(handover_pass.revoked_on)
        self.assertEqual(HandoverPass.objects.count(), 1)


class SheetTests(LivePlanTestCase):
    def test_each_line_has_a_qr_code_to_its_hand_over_page(self):
        self.login(self.bob)
        r = self.client.get(self.url("plan_sheets", self.plan.pk))
        self.assertEqual(r.status_code, 200)
        body = r.content.decode()
        self.assertEqual(body.count('<svg'), 3)
        self.assertEqual(body.count('class="sheet"'), 2)  # one per grid (第一网格, no grid)
        self.assertIn("@page { size: A4", body)
        self.assertIn("break-before: page", body)
        for line in (self.zhang_line, self.wang_line, self.chen_line):
            self.assertIn(f"Line #{line.pk}", body)
        # Each code decodes to nothing we can check without a reader; its
        # title names the line, and its data is the line's own URL.
        self.assertEqual(len(set(re.findall(r'<path transform="scale\(2\)" class="qrline" stroke="#000" d="([^"]+)"',
                                            body))), 3)

    def test_a_sheet_shows_masked_names_and_phones_and_nothing_unmasked(self):
        self.login(self.bob)
        r = self.client.get(self.url("plan_sheets", self.plan.pk), {"grid": self.grid.pk})
        self.assertContains(r, "张*")
        self.assertContains(r, "138****5678")  # the head's phone, masked
        self.assertContains(r, "139****2222")
        self.assertNotContains(r, "陈*")  # another grid
        self.assertContains(r, self.plan.name)
        self.assertContains(r, self.grid.name)
        self.assertContains(r, "Signature")
        for value in self.PERSONAL:
            self.assertNotContains(r, value)

    def test_viewers_get_household_numbers_and_no_phones(self):
        self.login(self.victor)
        r = self.client.get(self.url("plan_sheets", self.plan.pk))
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, f"Household #{self.household.pk}")
        for value in ("张*", "138****5678", "Phone", *self.PERSONAL):
            self.assertNotContains(r, value)

    def test_an_unknown_grid_is_404_and_the_outsider_too(self):
        self.login(self.bob)
        self.assertEqual(self.client.get(self.url("plan_sheets", self.plan.pk), {"grid": 999999}).status_code, 404)
        self.login(self.oscar)
        self.assertEqual(self.client.get(self.url("plan_sheets", self.plan.pk)).status_code, 404)


class ExportTests(LivePlanTestCase):
    def rows(self, user):
        self.login(user)
        r = self.client.get(self.url("plan_export", self.plan.pk))
        self.assertEqual(r.status_code, 200)
        self.assertIn("attachment;", r["Content-Disposition"])
        sheet = load_workbook(io.BytesIO(r.content)).active
        return [list(row) for row in sheet.iter_rows(values_only=True)]

    def test_editors_get_the_list_with_masked_recipients(self):
        services.handover_record(actor=self.bob, line=self.chen_line)
        rows = self.rows(self.bob)
        header, body = rows[0], rows[1:]
        self.assertEqual(header, ["Community", "Grid", "Line", "Household number", "Recipient", "Tier", "Group",
                                  "Items", "Money (yuan)", "Status", "Handed over on"])
        by_line = {row[2]: row for row in body}
        self.assertEqual(by_line[self.zhang_line.pk][:7], [self.community.name, self.grid.name, self.zhang_line.pk,
                                                           self.household.pk, "张*", 1, self.elderly.name])
        self.assertEqual(by_line[self.zhang_line.pk][7:10],
                         [f"{self.masks.name} × 20 {self.masks.unit}", 200, "to hand over"])
        self.assertEqual(by_line[self.chen_line.pk][9], "handed over")
        self.assertIsNotNone(by_line[self.chen_line.pk][10])
        text = repr(rows)
        for value in self.PERSONAL:
            self.assertNotIn(value, text)

    def test_viewers_get_it_without_names(self):
        rows = self.rows(self.victor)
        self.assertNotIn("Recipient", rows[0])
        text = repr(rows)
        for value in ("张*", "王*", "陈*", *self.PERSONAL):
            self.assertNotIn(value, text)
        self.assertEqual({row[3] for row in rows[1:]}, {self.household.pk, self.wang_home.pk, self.chen_home.pk})

    def test_the_outsider_gets_404(self):
        self.login(self.oscar)
        self.assertEqual(self.client.get(self.url("plan_export", self.plan.pk)).status_code, 404)


class SurplusTests(LivePlanTestCase):
    def setUp(self):
        super().setUp()
        services.handover_record(actor=self.bob, line=self.chen_line)
        services.plan_close(actor=self.alice, plan=self.plan, reason="结束")
        # 张家 (20) and 王家 (10) were not collected: 30 masks released, from the sooner-expiring lot.
        self.chen.tags.add(get_tag(self.station, "volunteer"))

    def test_the_page_shows_what_is_left_per_lot(self):
        self.login(self.bob)
        r = self.client.get(self.url("surplus", self.plan.pk))
        self.assertEqual(r.status_code, 200)
        left = {row["lot"].pk: row["left"] for row in r.context["rows"]}
        self.assertEqual(sum(left.values()), 30)
        self.assertContains(r, "commend volunteers")
        self.assertContains(r, "陈*")  # the volunteer, masked, in the award choices
        self.assertNotContains(r, "陈大明")

    def lot_with_surplus(self) -> Lot:
        return next(row["lot"] for row in selectors.surplus_for_plan(self.plan) if row["left"])

    def test_it_commends_volunteers_by_resident_or_typed_name(self):
        lot = self.lot_with_surplus()
        on_hand = lot.on_hand
        self.login(self.bob)
        r = self.client.post(self.url("surplus", self.plan.pk), {
            "kind": "commend", "lot": lot.pk, "resident_0": self.chen.pk, "quantity_0": "3",
            "name_1": "志愿者小周", "quantity_1": "2", "reason": "表彰抗疫志愿者"})
        self.assertRedirects(r, self.url("surplus", self.plan.pk))
        decision = SurplusDecision.objects.get()
        self.assertEqual((decision.kind, decision.quantity, decision.lot), (SurplusKind.COMMEND, 5, lot))
        self.assertEqual([(a.resident_id, a.name, a.quantity) for a in decision.awards.order_by("id")],
                         [(self.chen.pk, "", 3), (None, "志愿者小周", 2)])
        lot.refresh_from_db()
        self.assertEqual(lot.on_hand, on_hand - 5)
        r = self.client.get(self.url("surplus", self.plan.pk))
        self.assertContains(r, "陈** × 3")
        self.login(self.victor)
        r = self.client.get(self.url("surplus", self.plan.pk))
        self.assertEqual(r.status_code, 200)
        self.assertNotContains(r, "陈** × 3")
        self.assertNotContains(r, "志愿者小周")

    def test_transfer_online_and_keep(self):
        lot = self.lot_with_surplus()
        self.login(self.bob)
        page = self.url("surplus", self.plan.pk)
        self.client.post(page, {"kind": "transfer", "lot": lot.pk, "quantity": "2", "to_store": self.store2.pk})
        self.client.post(page, {"kind": "transfer", "lot": lot.pk, "quantity": "1",
                                "to_station": self.other_station.pk})
        self.client.post(page, {"kind": "online", "lot": lot.pk, "quantity": "3", "activity": "社区群接龙领取"})
        self.client.post(page, {"kind": "keep", "lot": lot.pk, "quantity": "1", "reason": "备用"})
        decisions = list(SurplusDecision.objects.order_by("id").values_list("kind", "quantity", "to_store_id",
                                                                             "to_station_id", "activity"))
        self.assertEqual(decisions, [
            ("transfer", 2, self.store2.pk, None, ""), ("transfer", 1, None, self.other_station.pk, ""),
            ("online", 3, None, None, "社区群接龙领取"), ("keep", 1, None, None, "")])
        self.assertTrue(Lot.objects.filter(store=self.store2, source_lot=lot, on_hand=2).exists())

    def test_bad_decisions_say_why_and_change_nothing(self):
        lot = self.lot_with_surplus()
        self.login(self.bob)
        page = self.url("surplus", self.plan.pk)
        for data, message in [
            ({"kind": "keep", "lot": lot.pk, "quantity": "999"}, "are left to decide on"),
            ({"kind": "commend", "lot": lot.pk}, "Name at least one volunteer"),
            ({"kind": "commend", "lot": lot.pk, "quantity_0": "2"}, "Choose a volunteer or type a name."),
            ({"kind": "online", "lot": lot.pk, "quantity": "1"}, "This field is required."),
            ({"kind": "transfer", "lot": lot.pk, "quantity": "1"}, "Choose either a store of this station"),
            ({"kind": "transfer", "lot": lot.pk, "quantity": "1", "to_store": lot.store_id}, "Choose another store."),
            ({"kind": "keep", "lot": self.far_line.portions.get().lot_id, "quantity": "1"}, "Select a valid choice"),
        ]:
            r = self.client.post(page, data)
            self.assertEqual(r.status_code, 200, data)
            self.assertContains(r, message, msg_prefix=str(data))
        r = self.client.post(page, {"kind": "explode", "lot": lot.pk}, follow=True)
        self.assertContains(r, "Choose what to do with the surplus.")
        self.assertFalse(SurplusDecision.objects.exists())

    def test_viewers_read_but_may_not_decide_and_outsiders_get_404(self):
        lot = self.lot_with_surplus()
        data = {"kind": "keep", "lot": lot.pk, "quantity": "1"}
        self.login(self.victor)
        self.assertEqual(self.client.post(self.url("surplus", self.plan.pk), data).status_code, 403)
        self.login(self.oscar)
        self.assertEqual(self.client.get(self.url("surplus", self.plan.pk)).status_code, 404)
        self.assertEqual(self.client.post(self.url("surplus", self.plan.pk), data).status_code, 404)
        self.assertFalse(SurplusDecision.objects.exists())
