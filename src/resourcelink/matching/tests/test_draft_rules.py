"""The draft follows the rules a link is made by (``needs.services.links_create``):
consent to share with an outside organisation, eligibility by every tag of the
household, and no needs of archived households. Each draft here is then
accepted whole, which links_create would refuse if the draft broke a rule."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from resourcelink.directory.services import organization_create
from resourcelink.matching import services
from resourcelink.matching.draft import allocation_draft_build
from resourcelink.matching.models import AllocationLine, AllocationRun, AllocationUnmet
from resourcelink.needs.models import Link
from resourcelink.people.models import Consent, ConsentScope, Household, Resident, VulnerabilityTag
from resourcelink.people.testing import make_household, make_resident

from .fixtures import MatchingTestCase


class DraftRulesTest(MatchingTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        s = cls.station
        cls.org_a = organization_create(actor=cls.alice, station=s, name="湖滨商会", is_formal=True)
        cls.org_b = organization_create(actor=cls.alice, station=s, name="红十字会", is_formal=True)
        food = [cls.cat["food.staple"]]
        # Outside with organisation A; inside but run by B (shares with B); outside without
        # an organisation (nobody can consent to it).
        cls.res_a = cls.make_resource("商会爱心米", categories=food, quantity=100, organization=cls.org_a,
                                      is_internal=False, **cls.near(1))
        cls.res_b = cls.make_resource("红十字米", categories=food, quantity=100, organization=cls.org_b,
                                      **cls.near(1))
        cls.res_never = cls.make_resource("外面的米", categories=food, quantity=100, is_internal=False,
                                          **cls.near(0.1))

        cls.h1 = make_household(s, cls.community)
        cls.r1 = make_resident(cls.h1)
        cls.r2 = make_resident(cls.h1)
        cls.consent(cls.r1, cls.org_a)
        cls.consent(cls.r2, cls.org_b)
        cls.h2 = make_household(s, cls.community)
        withdrawn = make_resident(cls.h2)
        cls.consent(withdrawn, cls.org_a, withdrawn_on=timezone.now())
        future = make_resident(cls.h2)
        cls.consent(future, cls.org_a, given_on=cls.today + timedelta(days=1))
        archived = make_resident(cls.h2)
        cls.consent(archived, cls.org_a)
        Resident.objects.filter(pk=archived.pk).update(archived_on=timezone.now())
        cls.h3 = make_household(s, cls.community)
        cls.r3 = make_resident(cls.h3)
        cls.consent(cls.r3, cls.org_a, scope=ConsentScope.RECORD)  # recording is not sharing

        cls.of_r1 = cls.make_need(cls.h1, "food.staple", quantity=2, resident=cls.r1)
        cls.of_r2 = cls.make_need(cls.h1, "food.staple", quantity=2, resident=cls.r2)
        cls.of_h1 = cls.make_need(cls.h1, "food.staple", quantity=2)  # any live resident's consent
        cls.of_h2 = cls.make_need(cls.h2, "food.staple", quantity=2)
        cls.of_r3 = cls.make_need(cls.h3, "food.staple", quantity=2, resident=cls.r3)

    @classmethod
    def consent(cls, resident, org, **fields):
        fields.setdefault("scope", ConsentScope.SHARE)
        fields.setdefault("given_on", cls.today)
        return Consent.objects.create(station=cls.station, resident=resident, organization=org,
                                      given_by="本人", **fields)

    def run_draft(self, **parameters):
        run = AllocationRun.objects.create(station=self.station, parameters=parameters)
        return allocation_draft_build(run)

    def lines(self, run):
        return {(n, r) for n, r in AllocationLine.objects.filter(run=run).values_list("need_id", "resource_id")}

    def unmet(self, run):
        return dict(AllocationUnmet.objects.filter(run=run).values_list("need_id", "reason"))

    def accept_all(self, run):
        links = services.allocation_run_accept(actor=self.bob, run=run)
        run.refresh_from_db()
        self.assertEqual(run.status, AllocationRun.Status.ACCEPTED)
        return links

    def test_it_allocates_outside_supply_only_with_consent_to_share(self):
        run = self.run_draft(needs={"category_ids": [self.cat["food.staple"].pk]})
        lines = self.lines(run)
        self.assertIn((self.of_r1.pk, self.res_a.pk), lines)
        self.assertIn((self.of_r2.pk, self.res_b.pk), lines)
        self.assertEqual({n for n, _r in lines}, {self.of_r1.pk, self.of_r2.pk, self.of_h1.pk})
        self.assertIn([r for n, r in lines if n == self.of_h1.pk][0], {self.res_a.pk, self.res_b.pk})
        self.assertFalse(any(r == self.res_never.pk for _n, r in lines))
        # Withdrawn, not yet given, of an archived resident, or not a share consent: none.
        self.assertEqual(self.unmet(run), {self.of_h2.pk: "no_consent", self.of_r3.pk: "no_consent"})
        self.assertEqual(len(self.accept_all(run)), 3)

    def test_the_run_page_counts_needs_left_for_want_of_consent(self):
        run = self.run_draft(needs={"category_ids": [self.cat["food.staple"].pk]})
        self.login(self.bob)
        r = self.client.get(reverse("matching:run_detail", args=[run.pk]))
        self.assertContains(r, "no consent to share their details with the organisations that could help")
        self.assertContains(r, '<span class="badge warn">2</span>', html=False)

    def test_it_decides_eligibility_by_every_tag_and_weighs_only_live_ones(self):
        tag = self.tag["elderly_alone"]  # 张三's tag, weight 8
        rice = self.make_resource("老人专供米", categories=[self.cat["food.staple"]], quantity=5)
        rice.eligible_tags.set([tag])
        need = self.make_need(self.home, "food.staple", quantity=1)
        VulnerabilityTag.objects.filter(pk=tag.pk).update(archived_on=timezone.now())
        run = self.run_draft(supply={"resource_ids": [rice.pk]}, needs={"community_ids": [self.community.pk]})
        line = AllocationLine.objects.get(run=run, need=need)
        self.assertEqual(line.resource_id, rice.pk)
        self.assertEqual(line.weight, 2.0)  # normal urgency; the archived tag adds no weight
        self.assertEqual(set(self.unmet(run).values()), {"not_eligible"})  # the households without the tag
        self.accept_all(run)

    def test_it_leaves_out_needs_of_archived_households(self):
        Household.objects.filter(pk=self.h2.pk).update(archived_on=timezone.now())
        run = self.run_draft(needs={"category_ids": [self.cat["food.staple"].pk]})
        self.assertNotIn(self.of_h2.pk, self.unmet(run))
        self.assertNotIn(self.of_h2.pk, {n for n, _r in self.lines(run)})
        self.assertEqual(run.needs_count, 4)
        self.assertEqual(Link.objects.count(), 0)
