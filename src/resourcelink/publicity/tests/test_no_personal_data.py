"""No public page and no donor report holds a resident's personal data.

Every URL pattern under /public/ is walked (so a page added later is
checked without anyone remembering to), with every station's slug and every
donation's report token of the fixture, on every page of its lists, signed
out and signed in; each is searched for every personal value the fixture
holds: residents' names, phones (plain and masked), ID numbers, household
names and addresses, who collected a hand-over, notes, reasons and the
volunteers awarded, and the donors' own contact details.
"""

from django.urls import reverse

from resourcelink.core.privacy import mask_name, mask_phone
from resourcelink.core.tests.test_viewer_privacy import url_patterns
from resourcelink.distribution.models import Handover, SurplusAward
from resourcelink.donations.models import Donation
from resourcelink.people.models import Household, Resident

from .base import PublicityTestCase


class NoPersonalDataTests(PublicityTestCase):
    def values(self):
        """The fixture's list, and everything personal read back from the database too."""
        values = set(self.personal)
        masked = set()
        for name, phone in Resident.objects.values_list("name", "phone"):
            values |= {name, phone}
            masked |= {mask_name(name), mask_phone(phone)}
        values |= set(Resident.objects.values_list("id_number_masked", flat=True))
        for name, address in Household.objects.values_list("name", "address"):
            values |= {name, address}
            masked.add(mask_name(name))
        values |= set(Handover.objects.values_list("collected_by", flat=True))
        values |= set(Handover.objects.values_list("note", flat=True))
        values |= set(SurplusAward.objects.values_list("name", flat=True))
        # A masked value as short as "张*" says nothing; longer ones are checked too.
        return {v for v in values if v} | {v for v in masked if len(v) >= 3}

    def urls(self):
        slugs = [self.station.slug, self.other_station.slug]
        tokens = list(Donation.objects.values_list("report_token", flat=True))
        found = 0
        for route, converters in url_patterns():
            route = "/" + route.lstrip("^").rstrip("$")
            if not route.startswith("/public/"):
                continue
            found += 1
            if not converters:
                yield route
            for name, converter in converters.items():
                kind = type(converter).__name__
                self.assertIn(kind, ("SlugConverter", "StringConverter"), f"{route}: add its ids to this test")
                for value in slugs if kind == "SlugConverter" else tokens:
                    url = route.replace(f"<{'slug' if kind == 'SlugConverter' else 'str'}:{name}>", value)
                    yield url
                    yield url + "?page=2&plans=2"
        self.assertGreaterEqual(found, 2)

    def test_it_shows_no_personal_data_on_any_public_page_or_report(self):
        values = self.values()
        self.assertIn("张建国", values)
        self.assertIn("邻居王阿姨代领", values)
        urls = list(self.urls())
        self.assertGreaterEqual(len(urls), 2 * (2 + Donation.objects.count()))
        for user in (None, self.alice):
            if user:
                self.login(user)
            for url in urls:
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200, url)
                body = response.content.decode()
                for value in values:
                    self.assertNotIn(value, body, f"{value} shown on {url}")

    def test_it_walks_the_reports_it_means_to(self):
        urls = set(self.urls())
        for donation in (self.in_kind, self.cash, self.general_cash, self.far_donation):
            self.assertIn(reverse("publicity:donor_report", args=[donation.report_token]), urls)
        self.assertIn(reverse("publicity:station_disclosure", args=[self.station.slug]), urls)
