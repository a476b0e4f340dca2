from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from resourcelink.needs import services
from resourcelink.needs.models import Link, LinkStatus, Need, NeedStatus, Urgency
from resourcelink.needs.testing import make_need

from .fixtures import NeedsTestCase

LIST = reverse("needs:need_list")


class NeedPageTestCase(NeedsTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        today = timezone.localdate()
        cls.n_critical = make_need(cls.household, cls.cat["food.staple"], urgency=Urgency.CRITICAL, quantity=2,
                                   resident=cls.zhang, assigned_to=cls.bob, due_on=today)
        cls.n_low = make_need(cls.household2, cls.cat["medical"], urgency=Urgency.LOW, due_on=today - timedelta(2),
                              source="hotline")
        cls.n_normal = make_need(cls.household, cls.cat["food"], urgency=Urgency.NORMAL)
        cls.n_closed = make_need(cls.household, cls.cat["food"], urgency=Urgency.HIGH,
                                 due_on=today - timedelta(5))
        services.need_transition(actor=cls.bob, need=cls.n_closed, to_status=NeedStatus.CANCELLED, reason="dup")
        Need.objects.filter(pk=cls.n_normal.pk).update(created_on=timezone.now() - timedelta(days=10))
        cls.foreign_need = make_need(cls.other_household, cls.other_cat["food"])


class NeedListTests(NeedPageTestCase):
    def ids(self, params=None, user=None):
        self.login(user or self.bob)
        r = self.client.get(LIST, params or {})
        self.assertEqual(r.status_code, 200)
        return [row["need"].pk for row in r.context["rows"]]

    def test_it_lists_wanting_needs_most_urgent_then_oldest(self):
        self.assertEqual(self.ids(), [self.n_critical.pk, self.n_normal.pk, self.n_low.pk])

    def test_it_orders_by_due_date_and_newest(self):
        self.assertEqual(self.ids({"order": "due"}), [self.n_low.pk, self.n_critical.pk, self.n_normal.pk])
        self.assertEqual(self.ids({"order": "-created"})[-1], self.n_normal.pk)

    def test_it_filters(self):
        self.assertEqual(self.ids({"status": "all"})[:1], [self.n_critical.pk])
        self.assertIn(self.n_closed.pk, self.ids({"status": "all"}))
        self.assertEqual(self.ids({"status": "cancelled"}), [self.n_closed.pk])
        self.assertEqual(self.ids({"urgency": "low"}), [self.n_low.pk])
        self.assertEqual(self.ids({"category": self.cat["food"].pk}), [self.n_critical.pk, self.n_normal.pk])
        self.assertEqual(self.ids({"community": self.community2.pk}), [self.n_low.pk])
        self.assertEqual(self.ids({"grid": self.grid2.pk}), [self.n_low.pk])
        self.assertEqual(self.ids({"assigned": self.bob.pk}), [self.n_critical.pk])
        self.assertEqual(self.ids({"mine": "on"}), [self.n_critical.pk])
        self.assertEqual(self.ids({"mine": "on"}, user=self.alice), [])
        self.assertEqual(self.ids({"source": "hotline"}), [self.n_low.pk])
        self.assertEqual(self.ids({"min_age": 5}), [self.n_normal.pk])
        self.assertEqual(self.ids({"max_age": 5}), [self.n_critical.pk, self.n_low.pk])

    def test_it_lists_due_today_and_overdue(self):
        self.assertEqual(self.ids({"due": "today"}), [self.n_critical.pk])
        # The cancelled need is past due but no longer wanting: not overdue.
        self.assertEqual(self.ids({"due": "overdue", "status": "all"}), [self.n_low.pk])

    def test_it_reports_bad_filters(self):
        self.login(self.bob)
        r = self.client.get(LIST, {"urgency": "panic"})
        self.assertContains(r, "Some filters are not valid")

    def test_it_shows_the_outsider_only_their_station(self):
        self.assertEqual(self.ids(user=self.oscar), [self.foreign_need.pk])

    def test_it_answers_htmx_with_rows_only(self):
        self.login(self.bob)
        r = self.client.get(LIST, HTTP_HX_REQUEST="true")
        self.assertNotContains(r, "<html")
        self.assertContains(r, "3 needs")

    def test_it_keeps_its_query_count_whatever_the_rows(self):
        self.login(self.bob)
        self.client.get(LIST)

        def count():
            with CaptureQueriesContext(connection) as ctx:
                r = self.client.get(LIST)
            self.assertEqual(r.status_code, 200)
            return len(ctx.captured_queries), len(r.context["rows"])

        for _ in range(2):
            make_need(self.household, self.cat["food"])
        small = count()
        for _ in range(45):
            make_need(self.household2, self.cat["medical"], assigned_to=self.bob)
        big = count()
        self.assertEqual(small[1], 5)
        self.assertEqual(big[1], 50)
        self.assertEqual(small[0], big[0])


class PrivacyTests(NeedPageTestCase):
    SECRETS = ("张家大院", "湖滨路12号", "张小明", "13812345678", "李四", "岳王路8号", "13900001111")

    def test_it_never_shows_personal_data_to_the_viewer(self):
        self.login(self.victor)
        link = services.link_create(actor=self.bob, need=self.n_critical, resource=self.hall, quantity=1,
                                    follow_up_on=timezone.localdate() - timedelta(days=1))
        urls = [LIST, reverse("needs:need_detail", args=[self.n_critical.pk]),
                reverse("needs:need_detail", args=[self.n_low.pk]), reverse("needs:follow_ups"),
                reverse("needs:dashboard"), reverse("needs:household_needs", args=[self.household.pk]),
                LIST + "?status=all"]
        for url in urls:
            r = self.client.get(url)
            self.assertEqual(r.status_code, 200, url)
            for secret in self.SECRETS:
                self.assertNotContains(r, secret, msg_prefix=url)
        self.assertTrue(link.pk)

    def test_it_shows_households_masked_in_the_list(self):
        self.login(self.bob)
        r = self.client.get(LIST)
        self.assertContains(r, "张***")
        self.assertNotContains(r, "张家大院")

    def test_the_viewer_sees_households_by_number_not_even_masked(self):
        services.link_create(actor=self.bob, need=self.n_critical, resource=self.hall, quantity=1)
        detail = reverse("needs:need_detail", args=[self.n_critical.pk])
        self.login(self.bob)
        r = self.client.get(detail)
        self.assertContains(r, "张***")
        self.assertContains(r, "张*")  # the resident, masked
        self.login(self.victor)
        for url in (LIST, LIST + "?status=all", detail):
            r = self.client.get(url, headers={"hx-request": "true"} if url == LIST else {})
            self.assertEqual(r.status_code, 200, url)
            self.assertNotContains(r, "张*", msg_prefix=url)
            self.assertNotContains(r, "李*", msg_prefix=url)
            self.assertContains(r, f"Household #{self.household.pk}", msg_prefix=url)

    def test_free_text_follows_the_role_at_the_needs_station_not_the_current_one(self):
        # Victor is a viewer here and an admin at another station that is his current one.
        from resourcelink.accounts.middleware import SESSION_KEY
        from resourcelink.accounts.models import Membership, Role

        Membership.objects.create(user=self.victor, station=self.other_station, role=Role.ADMIN)
        Need.objects.filter(pk=self.n_critical.pk).update(description="Lives with her son 阿强")
        link = services.link_create(actor=self.bob, need=self.n_critical, resource=self.hall, quantity=1)
        services.link_update(actor=self.bob, link=link, outcome="Spoke to 阿强", feedback="阿强 says thanks")
        self.login(self.victor)
        session = self.client.session
        session[SESSION_KEY] = self.other_station.pk
        session.save()
        r = self.client.get(reverse("needs:need_detail", args=[self.n_critical.pk]))
        self.assertEqual(r.status_code, 200)
        self.assertNotContains(r, "阿强")
        self.login(self.carol)
        r = self.client.get(reverse("needs:need_detail", args=[self.n_critical.pk]))
        self.assertContains(r, "Lives with her son 阿强")
        self.assertContains(r, "Spoke to 阿强")


class AccessTests(NeedPageTestCase):
    """Every endpoint: the outsider gets 404, the viewer 403 on writes."""

    def setUp(self):
        self.link = services.link_create(actor=self.bob, need=self.n_critical, resource=self.hall, quantity=1)

    def endpoints(self):
        n, link = self.n_critical.pk, self.link.pk
        return [
            ("get", reverse("needs:need_detail", args=[n]), {}),
            ("get", reverse("needs:need_edit", args=[n]), {}),
            ("get", reverse("needs:need_create") + f"?household={self.household.pk}", {}),
            ("post", reverse("needs:need_transition", args=[n]), {"to_status": "unmet", "reason": "x"}),
            ("post", reverse("needs:link_create", args=[n]), {"resource": self.hall.pk, "quantity": 1}),
            ("post", reverse("needs:link_transition", args=[link]), {"to_status": "confirmed"}),
            ("post", reverse("needs:link_update", args=[link]), {"outcome": "x"}),
            ("get", reverse("needs:household_needs", args=[self.household.pk]), {}),
        ]

    def test_it_hides_everything_from_the_outsider(self):
        self.login(self.oscar)
        for method, url, data in self.endpoints():
            r = getattr(self.client, method)(url, data)
            self.assertEqual(r.status_code, 404, url)

    def test_it_refuses_writes_to_the_viewer(self):
        self.login(self.victor)
        reads = {reverse("needs:need_detail", args=[self.n_critical.pk]),
                 reverse("needs:household_needs", args=[self.household.pk])}
        for method, url, data in self.endpoints():
            r = getattr(self.client, method)(url, data)
            self.assertEqual(r.status_code, 200 if url in reads else 403, url)
        self.assertEqual(Need.objects.get(pk=self.n_critical.pk).status, NeedStatus.LINKED)
        self.assertEqual(Link.objects.count(), 1)

    def test_it_needs_a_login(self):
        for url in (LIST, reverse("needs:dashboard"), reverse("needs:follow_ups")):
            self.assertEqual(self.client.get(url).status_code, 302)

    def test_it_shows_the_station_pages_to_the_viewer(self):
        self.login(self.victor)
        for url in (LIST, reverse("needs:dashboard"), reverse("needs:follow_ups")):
            self.assertEqual(self.client.get(url).status_code, 200)


class NeedFormTests(NeedPageTestCase):
    def test_it_records_a_need_from_a_household(self):
        self.login(self.carol)
        url = reverse("needs:need_create") + f"?household={self.household.pk}"
        r = self.client.get(url)
        self.assertContains(r, "Life, health or safety is at risk today")  # urgency definitions
        self.assertNotContains(r, "张小明")
        r = self.client.post(url, {"household": self.household.pk, "category": self.cat["food"].pk,
                                   "resident": self.zhang.pk, "quantity": 3, "unit": "袋", "urgency": "high",
                                   "source": "walk_in", "description": "Rice"})
        need = Need.objects.latest("id")
        self.assertRedirects(r, reverse("needs:need_detail", args=[need.pk]))
        self.assertEqual((need.resident, need.quantity, need.urgency, need.created_by), (self.zhang, 3, "high",
                                                                                         self.carol))

    def test_it_shows_errors_beside_fields(self):
        self.login(self.bob)
        url = reverse("needs:need_create") + f"?household={self.household.pk}"
        r = self.client.post(url, {"household": self.household.pk, "category": self.other_cat["food"].pk,
                                   "quantity": 0, "urgency": "high", "source": "walk_in"})
        self.assertEqual(r.status_code, 200)
        self.assertTrue(r.context["form"].errors)

    def test_it_edits_a_need(self):
        self.login(self.bob)
        url = reverse("needs:need_edit", args=[self.n_normal.pk])
        r = self.client.post(url, {"category": self.cat["food"].pk, "quantity": 7, "urgency": "critical",
                                   "source": "home_visit", "reason": "worse"})
        self.assertRedirects(r, reverse("needs:need_detail", args=[self.n_normal.pk]))
        self.assertEqual(Need.objects.get(pk=self.n_normal.pk).quantity, 7)


class NeedDetailTests(NeedPageTestCase):
    def test_it_shows_allowed_moves_and_the_timeline(self):
        self.login(self.bob)
        r = self.client.get(reverse("needs:need_detail", args=[self.n_critical.pk]))
        self.assertContains(r, 'name="to_status" value="unmet"')
        self.assertNotContains(r, 'name="to_status" value="met"')
        services.link_create(actor=self.bob, need=self.n_critical, resource=self.hall, quantity=1)
        r = self.client.get(reverse("needs:need_detail", args=[self.n_critical.pk]))
        self.assertContains(r, "open → linked")
        self.assertContains(r, f"link #{Link.objects.get().pk}: proposed")

    def test_it_offers_no_linked_button_and_refuses_a_posted_one(self):
        self.login(self.bob)
        need = make_need(self.household, self.cat["food"], quantity=3)
        services.need_transition(actor=self.bob, need=need, to_status=NeedStatus.UNMET, reason="none left")
        detail = reverse("needs:need_detail", args=[need.pk])
        r = self.client.get(detail)
        self.assertContains(r, 'name="to_status" value="mobilised"')
        self.assertNotContains(r, 'name="to_status" value="linked"')
        r = self.client.post(reverse("needs:need_transition", args=[need.pk]), {"to_status": "linked"}, follow=True)
        self.assertContains(r, "only when a link is made")
        need.refresh_from_db()
        self.assertEqual((need.status, need.first_linked_on), (NeedStatus.UNMET, None))

    def test_it_moves_a_need(self):
        self.login(self.bob)
        url = reverse("needs:need_transition", args=[self.n_critical.pk])
        r = self.client.post(url, {"to_status": "unmet"}, follow=True)
        self.assertContains(r, "Say why")
        self.client.post(url, {"to_status": "unmet", "reason": "No supplier"})
        self.assertEqual(Need.objects.get(pk=self.n_critical.pk).status, NeedStatus.UNMET)
        r = self.client.post(url, {"to_status": "open", "reason": "x"}, follow=True)
        self.assertContains(r, "cannot move from")

    def test_it_links_from_the_page_and_says_why_not(self):
        self.login(self.bob)
        url = reverse("needs:link_create", args=[self.n_critical.pk])
        detail = reverse("needs:need_detail", args=[self.n_critical.pk])
        r = self.client.post(url, {"resource": self.outside.pk, "quantity": 1}, follow=True)
        self.assertEqual(r.redirect_chain, [(detail, 302)])
        self.assertContains(r, "no consent to share")
        r = self.client.post(url, {"resource": self.rice.pk, "quantity": 2, "follow_up_on": "2030-01-02"},
                             follow=True)
        self.assertContains(r, "The need was linked")
        link = Link.objects.get()
        self.assertEqual((link.quantity, str(link.follow_up_on)), (2, "2030-01-02"))
        r = self.client.post(url, {"resource": self.foreign.pk, "quantity": 1}, follow=True)
        self.assertContains(r, "The link was not made")
        r = self.client.post(url, {"resource": "", "quantity": 0}, follow=True)
        self.assertContains(r, "The link was not made")

    def test_it_lets_an_admin_override_consent_from_the_page(self):
        self.login(self.alice)
        url = reverse("needs:link_create", args=[self.n_critical.pk])
        self.client.post(url, {"resource": self.outside.pk, "quantity": 1, "consent_override_reason": "Urgent"})
        link = Link.objects.get()
        self.assertEqual((link.consent_override_reason, link.consent_override_by), ("Urgent", self.alice))

    def test_it_moves_links_and_saves_notes(self):
        self.login(self.bob)
        link = services.link_create(actor=self.bob, need=self.n_critical, resource=self.hall, quantity=2)
        self.client.post(reverse("needs:link_transition", args=[link.pk]),
                         {"to_status": "delivered", "outcome": "Handed over", "feedback": "Thanks"})
        link.refresh_from_db()
        self.assertEqual((link.status, link.outcome, link.feedback), (LinkStatus.DELIVERED, "Handed over",
                                                                      "Thanks"))
        self.assertEqual(Need.objects.get(pk=self.n_critical.pk).status, NeedStatus.MET)
        self.client.post(reverse("needs:link_update", args=[link.pk]),
                         {f"l{link.pk}-follow_up_on": "2030-01-05", f"l{link.pk}-outcome": "Checked",
                          f"l{link.pk}-feedback": "Fine"})
        link.refresh_from_db()
        self.assertEqual((str(link.follow_up_on), link.outcome, link.feedback), ("2030-01-05", "Checked", "Fine"))

    def test_saving_notes_keeps_the_fields_the_post_leaves_out(self):
        self.login(self.bob)
        link = services.link_create(actor=self.bob, need=self.n_critical, resource=self.hall, quantity=1)
        services.link_update(actor=self.bob, link=link, follow_up_on=timezone.localdate() + timedelta(days=3),
                             outcome="Called", feedback="Pleased")
        url = reverse("needs:link_update", args=[link.pk])
        self.client.post(url, {f"l{link.pk}-outcome": "Called again"})
        link.refresh_from_db()
        self.assertEqual((link.outcome, link.feedback, link.follow_up_on),
                         ("Called again", "Pleased", timezone.localdate() + timedelta(days=3)))
        self.client.post(url, {"feedback": "Very pleased"})  # unprefixed, as another caller might
        link.refresh_from_db()
        self.assertEqual((link.outcome, link.feedback, link.follow_up_on),
                         ("Called again", "Very pleased", timezone.localdate() + timedelta(days=3)))
        self.client.post(url, {f"l{link.pk}-follow_up_on": "", f"l{link.pk}-outcome": ""})
        link.refresh_from_db()
        self.assertEqual((link.outcome, link.feedback, link.follow_up_on), ("", "Very pleased", None))

    def test_it_embeds_suggestions_only_when_the_url_exists(self):
        from django.urls import NoReverseMatch

        self.login(self.bob)
        r = self.client.get(reverse("needs:need_detail", args=[self.n_critical.pk]))
        try:
            reverse("matching:suggestions", args=[self.n_critical.pk])
        except NoReverseMatch:
            self.assertNotContains(r, "hx-trigger=\"load\"")
        else:
            self.assertContains(r, "hx-trigger=\"load\"")


class FollowUpTests(NeedPageTestCase):
    def test_it_lists_live_links_due_for_follow_up(self):
        today = timezone.localdate()
        due = services.link_create(actor=self.bob, need=self.n_critical, resource=self.hall, quantity=1,
                                   follow_up_on=today)
        late = services.link_create(actor=self.bob, need=self.n_low, resource=self.hall, quantity=1,
                                    follow_up_on=today - timedelta(days=3))
        later = services.link_create(actor=self.bob, need=self.n_normal, resource=self.hall, quantity=1,
                                     follow_up_on=today + timedelta(days=3))
        done = services.link_create(actor=self.bob, need=self.n_critical, resource=self.rice, quantity=1,
                                    follow_up_on=today)
        services.link_transition(actor=self.bob, link=done, to_status=LinkStatus.DELIVERED)
        self.login(self.bob)
        r = self.client.get(reverse("needs:follow_ups"))
        self.assertEqual([link.pk for link in r.context["page_obj"].object_list], [late.pk, due.pk])
        self.assertContains(r, "overdue since")
        self.assertTrue(later.pk)
