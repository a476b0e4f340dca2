"""The charity fund pages through HTTP: balances by restriction, an
account's ledger, grants, transfers, money received, corrections, the
household lookup and the XLSX export; roles and station scoping on each."""

import io
from decimal import Decimal

from django.urls import reverse
from openpyxl import load_workbook

from resourcelink.fund.models import EntryKind, FundAccount, FundEntry
from resourcelink.fund.selectors import ledger_balance
from resourcelink.fund.services import fund_general_account, fund_grant, fund_reserve
from resourcelink.fund.testing import general_with, restricted_account
from resourcelink.people.testing import make_household, make_resident
from resourcelink.people.tests.base import PeopleTestCase

ACCOUNTS = reverse("fund:account_list")
EXPORT = reverse("fund:ledger_export")


def entry_count() -> int:
    return FundEntry.objects.count()


class FundPagesTestCase(PeopleTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.general = general_with(cls.station, cls.bob, "1000.00")
        # Money a donor gave for the elderly living alone (张建国 in 张家 is one).
        cls.restricted = restricted_account(cls.station, cls.bob, "2000.00", target_tags=[cls.elderly],
                                            restriction_note="给独居老人")
        cls.plain = make_household(cls.station, cls.community, name="刘家")
        make_resident(cls.plain, name="刘大海")
        cls.far = general_with(cls.other_station, cls.oscar, "500.00")

    def fresh(self, account) -> FundAccount:
        return FundAccount.objects.get(pk=account.pk)


class AccountPageTests(FundPagesTestCase):
    def test_it_shows_balances_by_restriction_to_every_member(self):
        fund_reserve(actor=self.bob, account=self.restricted, amount="300.00", reason="plan")
        for user in (self.alice, self.bob, self.carol, self.victor):
            self.login(user)
            r = self.client.get(ACCOUNTS)
            self.assertEqual(r.status_code, 200)
            self.assertEqual([row["account"].pk for row in r.context["rows"]], [self.general.pk, self.restricted.pk])
        self.assertContains(r, "balance 2000.00 yuan · reserved 300.00 · available 1700.00")
        self.assertContains(r, f"Only for: {self.elderly.name}")
        self.assertContains(r, "给独居老人")
        self.assertContains(r, "No restriction: for any use.")
        self.assertEqual(r.context["totals"], {"balance": Decimal("3000.00"), "reserved": Decimal("300.00"),
                                               "available": Decimal("2700.00")})

    def test_it_shows_an_accounts_ledger_newest_first_and_paginated(self):
        for n in range(3):
            fund_grant(actor=self.bob, account=self.general, household=self.plain, amount=f"{n + 1}.00",
                       reason=f"补助{n}")
        self.login(self.victor)
        url = reverse("fund:account_detail", args=[self.general.pk])
        with self.settings(RL_PAGE_SIZE=2):
            r = self.client.get(url)
            self.assertEqual([e.reason for e in r.context["page_obj"]], ["补助2", "补助1"])
            r = self.client.get(url, {"page": 2})
            self.assertEqual([e.reason for e in r.context["page_obj"]][0], "补助0")
        self.assertContains(r, f"household #{self.plain.pk}")
        self.assertNotContains(r, "刘家")
        self.assertNotContains(r, "刘*")
        # Viewers get no write buttons.
        self.assertNotContains(r, reverse("fund:grant", args=[self.general.pk]))
        self.login(self.bob)
        r = self.client.get(url)
        self.assertContains(r, reverse("fund:grant", args=[self.general.pk]))
        self.assertNotContains(r, reverse("fund:correct", args=[self.general.pk]))

    def test_it_hides_other_stations_accounts(self):
        self.login(self.bob)
        self.assertEqual(self.client.get(reverse("fund:account_detail", args=[self.far.pk])).status_code, 404)
        for name in ("grant", "transfer", "receive"):
            self.assertEqual(self.client.get(reverse(f"fund:{name}", args=[self.far.pk])).status_code, 404, name)
            self.assertEqual(self.client.post(reverse(f"fund:{name}", args=[self.far.pk]),
                                              {"amount": "1.00", "reason": "x"}).status_code, 404, name)
        self.login(self.alice)
        self.assertEqual(self.client.post(reverse("fund:correct", args=[self.far.pk]),
                                          {"amount": "-1.00", "reason": "x"}).status_code, 404)
        self.assertEqual(self.fresh(self.far).balance, Decimal("500.00"))


class GrantTests(FundPagesTestCase):
    def url(self, account):
        return reverse("fund:grant", args=[account.pk])

    def test_editors_grant_to_a_household_by_its_number(self):
        for user, number in ((self.bob, f"#{self.household.pk}"), (self.carol, str(self.household.pk))):
            self.login(user)
            r = self.client.post(self.url(self.restricted), {"household": number, "amount": "200.00",
                                                             "reason": "慰问金"}, follow=True)
            self.assertRedirects(r, reverse("fund:account_detail", args=[self.restricted.pk]))
            self.assertContains(r, f"household #{self.household.pk} (张*)")
        account = self.fresh(self.restricted)
        self.assertEqual(account.balance, Decimal("1600.00"))
        self.assertEqual(account.balance, ledger_balance(account.pk))
        grants = FundEntry.objects.filter(account=account, kind=EntryKind.GRANT_OUT)
        self.assertEqual(sorted((g.household_id, g.amount, g.entered_by.username) for g in grants),
                         [(self.household.pk, Decimal("-200.00"), "bob"),
                          (self.household.pk, Decimal("-200.00"), "carol")])

    def test_it_shows_a_restriction_as_the_error_and_writes_nothing(self):
        self.login(self.bob)
        before = entry_count()
        r = self.client.post(self.url(self.restricted), {"household": self.plain.pk, "amount": "100.00",
                                                         "reason": "x"})
        self.assertEqual(r.status_code, 200)
        self.assertIn("household", r.context["form"].errors)
        self.assertContains(r, "The donor gave this money only for")
        self.assertEqual(entry_count(), before)

    def test_it_refuses_more_than_is_available(self):
        fund_reserve(actor=self.bob, account=self.general, amount="900.00", reason="plan")
        self.login(self.bob)
        before = entry_count()
        r = self.client.post(self.url(self.general), {"household": self.plain.pk, "amount": "200.00",
                                                      "reason": "x"})
        self.assertIn("amount", r.context["form"].errors)
        self.assertContains(r, "set aside for plans")
        self.assertEqual(entry_count(), before)

    def test_it_refuses_bad_input(self):
        self.login(self.bob)
        before = entry_count()
        far_household = self.far_household
        for data, field in (({"household": "999999", "amount": "1.00", "reason": "x"}, "household"),
                            ({"household": far_household.pk, "amount": "1.00", "reason": "x"}, "household"),
                            ({"household": "张家", "amount": "1.00", "reason": "x"}, "household"),
                            ({"household": self.plain.pk, "amount": "-5", "reason": "x"}, "amount"),
                            ({"household": self.plain.pk, "amount": "1.005", "reason": "x"}, "amount"),
                            ({"household": self.plain.pk, "amount": "1.00", "reason": ""}, "reason")):
            r = self.client.post(self.url(self.general), data)
            self.assertEqual(r.status_code, 200)
            self.assertIn(field, r.context["form"].errors, data)
        self.assertContains(self.client.post(self.url(self.general), {"household": "999999", "amount": "1",
                                                                      "reason": "x"}),
                            "There is no household with this number at the station.")
        self.assertEqual(entry_count(), before)

    def test_it_refuses_viewers(self):
        self.login(self.victor)
        before = entry_count()
        self.assertEqual(self.client.get(self.url(self.general)).status_code, 403)
        self.assertEqual(self.client.post(self.url(self.general), {"household": self.plain.pk, "amount": "1.00",
                                                                   "reason": "x"}).status_code, 403)
        self.assertEqual(entry_count(), before)

    def test_it_looks_up_a_household_by_number_with_its_masked_name(self):
        lookup = reverse("fund:household_lookup")
        self.login(self.carol)
        r = self.client.get(lookup, {"household": f"#{self.household.pk}"})
        self.assertContains(r, f"Household #{self.household.pk}: 张*, 湖滨社区")
        self.assertNotContains(r, "张家")
        r = self.client.get(lookup, {"household": self.far_household.pk})
        self.assertContains(r, "There is no household with this number at the station.")
        self.assertNotContains(r, "王")
        self.login(self.victor)
        self.assertEqual(self.client.get(lookup, {"household": self.household.pk}).status_code, 403)


class TransferReceiveCorrectTests(FundPagesTestCase):
    def test_it_transfers_general_money_into_a_restricted_account(self):
        self.login(self.carol)
        url = reverse("fund:transfer", args=[self.general.pk])
        r = self.client.get(url)
        self.assertEqual([pk for pk, _label in r.context["form"].fields["to_account"].choices if pk],
                         [self.restricted.pk])
        r = self.client.post(url, {"to_account": self.restricted.pk, "amount": "250.00", "reason": "补充"})
        self.assertRedirects(r, reverse("fund:account_detail", args=[self.general.pk]))
        self.assertEqual(self.fresh(self.general).balance, Decimal("750.00"))
        self.assertEqual(self.fresh(self.restricted).balance, Decimal("2250.00"))
        r = self.client.get(reverse("fund:account_detail", args=[self.restricted.pk]))
        self.assertContains(r, f"from {self.general.name}")

    def test_it_shows_why_restricted_money_cannot_go_back(self):
        self.login(self.bob)
        before = entry_count()
        r = self.client.post(reverse("fund:transfer", args=[self.restricted.pk]),
                             {"to_account": self.general.pk, "amount": "10.00", "reason": "x"})
        self.assertIn("to_account", r.context["form"].errors)
        self.assertContains(r, "Money the donor restricted cannot go to the general account.")
        r = self.client.post(reverse("fund:transfer", args=[self.general.pk]),
                             {"to_account": self.far.pk, "amount": "10.00", "reason": "x"})
        self.assertIn("to_account", r.context["form"].errors)
        r = self.client.post(reverse("fund:transfer", args=[self.general.pk]),
                             {"to_account": self.restricted.pk, "amount": "5000.00", "reason": "x"})
        self.assertContains(r, "5000.00 yuan cannot be paid out of it")
        self.assertEqual(entry_count(), before)

    def test_it_receives_other_money(self):
        self.login(self.bob)
        url = reverse("fund:receive", args=[self.general.pk])
        r = self.client.post(url, {"amount": "66.60", "reason": "义卖所得"})
        self.assertRedirects(r, reverse("fund:account_detail", args=[self.general.pk]))
        entry = FundEntry.objects.get(reason="义卖所得")
        self.assertEqual((entry.kind, entry.amount, entry.donation), (EntryKind.DONATION_IN, Decimal("66.60"), None))
        before = entry_count()
        r = self.client.post(url, {"amount": "0", "reason": "x"})
        self.assertIn("amount", r.context["form"].errors)
        r = self.client.post(url, {"amount": "5", "reason": ""})
        self.assertIn("reason", r.context["form"].errors)
        self.assertEqual(entry_count(), before)
        self.login(self.victor)
        self.assertEqual(self.client.post(url, {"amount": "5", "reason": "x"}).status_code, 403)
        self.assertEqual(entry_count(), before)

    def test_only_admins_correct_with_a_reason(self):
        url = reverse("fund:correct", args=[self.general.pk])
        before = entry_count()
        for user in (self.bob, self.carol, self.victor):
            self.login(user)
            self.assertEqual(self.client.get(url).status_code, 403)
            self.assertEqual(self.client.post(url, {"amount": "-10.00", "reason": "x"}).status_code, 403)
        self.assertEqual(entry_count(), before)
        self.login(self.alice)
        for data, field in (({"amount": "-10.00", "reason": ""}, "reason"), ({"amount": "0", "reason": "x"}, "amount"),
                            ({"amount": "-1000.01", "reason": "x"}, "amount")):
            r = self.client.post(url, data)
            self.assertIn(field, r.context["form"].errors, data)
        self.assertEqual(entry_count(), before)
        r = self.client.post(url, {"amount": "-10.00", "reason": "多记了十元"})
        self.assertRedirects(r, reverse("fund:account_detail", args=[self.general.pk]))
        self.assertEqual(self.fresh(self.general).balance, Decimal("990.00"))
        self.assertEqual(FundEntry.objects.get(reason="多记了十元").kind, EntryKind.CORRECTION)


class ExportTests(FundPagesTestCase):
    def rows(self, response):
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"],
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]

    def test_it_exports_the_ledger_without_personal_data(self):
        fund_grant(actor=self.bob, account=self.restricted, household=self.household, amount="120.00",
                   reason="慰问")
        fund_reserve(actor=self.bob, account=self.general, amount="40.00", reason="计划预留")
        self.login(self.victor)
        rows = self.rows(self.client.get(EXPORT))
        self.assertEqual(rows[0], ["When", "Account", "Kind", "Amount (yuan)", "Change reserved (yuan)",
                                   "Household", "Donation", "By", "Why", "Refers to"])
        body = rows[1:]
        self.assertEqual(len(body), FundEntry.objects.filter(station=self.station).count())
        grant = next(row for row in body if row[8] == "慰问")
        self.assertEqual(grant[1:6], [self.restricted.name, "grant paid", -120, 0, f"household #{self.household.pk}"])
        self.assertEqual(grant[7], "Bob")
        reserve = next(row for row in body if row[8] == "计划预留")
        self.assertEqual(reserve[3:5], [0, 40])
        donation_rows = [row for row in body if row[2] == "donation received"]
        self.assertTrue(all(str(row[6]).startswith("JZ-") for row in donation_rows))
        text = repr(rows)
        for value in self.PERSONAL:
            self.assertNotIn(value, text)
        self.assertNotIn("张*", text)

    def test_it_exports_one_account(self):
        self.login(self.bob)
        rows = self.rows(self.client.get(EXPORT, {"account": self.restricted.pk}))
        self.assertEqual({row[1] for row in rows[1:]}, {self.restricted.name})
        self.assertEqual(sum(Decimal(str(row[3])) for row in rows[1:]), self.fresh(self.restricted).balance)

    def test_it_hides_other_stations_ledgers(self):
        self.login(self.bob)
        self.assertEqual(self.client.get(EXPORT, {"account": self.far.pk}).status_code, 404)
        self.assertEqual(self.client.get(EXPORT, {"account": "nope"}).status_code, 404)
        self.login(self.oscar)
        rows = self.rows(self.client.get(EXPORT))
        self.assertEqual({row[1] for row in rows[1:]}, {fund_general_account(self.other_station).name})
        self.assertEqual(len(rows) - 1, FundEntry.objects.filter(station=self.other_station).count())
