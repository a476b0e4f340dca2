"""/fund/accounts: balances, ledger, grants, transfers and corrections."""

from decimal import Decimal

from resourcelink.fund.models import FundAccount, FundEntry
from resourcelink.fund.selectors import ledger_balance
from resourcelink.fund.testing import general_with, restricted_account
from resourcelink.people.testing import make_household

from .store_base import StoreApiTestCase

URL = "/api/v1/fund/accounts"


class FundApiTests(StoreApiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.general = general_with(cls.station, cls.bob, "1000.00")
        cls.elderly = restricted_account(cls.station, cls.bob, "500.00", target_tags=[cls.station_tag("elderly_alone")])
        cls.plain_home = make_household(cls.station, community=cls.community, name="李家")
        cls.other_account = general_with(cls.other_station, cls.oscar, "100.00")

    def url(self, account=None, action=""):
        return f"{URL}/{(account or self.general).pk}" + (f"/{action}" if action else "")

    def balance(self, account):
        account = FundAccount.objects.get(pk=account.pk)
        self.assertEqual(account.balance, ledger_balance(account.pk))
        return account.balance

    def test_it_lists_accounts_with_their_restrictions(self):
        rows = self.get(URL, self.victor).json()
        self.assertEqual([(r["id"], r["restricted"], Decimal(r["balance"])) for r in rows],
                         [(self.general.pk, False, Decimal("1000.00")), (self.elderly.pk, True, Decimal("500.00"))])
        self.assertEqual([t["code"] for t in rows[1]["target_tags"]], ["elderly_alone"])
        self.assertEqual(self.get(self.url(self.elderly), self.victor).json()["donation"], self.elderly.donation_id)
        self.assertEqual(self.get(URL, self.oscar).json()[0]["id"], self.other_account.pk)

    def test_editors_grant_money_to_a_household(self):
        response = self.post(self.url(self.elderly, "grant"), self.carol,
                             {"household": self.home.pk, "amount": "200.00", "reason": "张三困难补助"})
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual((body["entry"]["kind"], Decimal(body["entry"]["amount"]), body["entry"]["household"],
                          body["entry"]["household_name"]), ("grant_out", Decimal("-200.00"), self.home.pk, "张*"))
        self.assertEqual(Decimal(body["account"]["available"]), Decimal("300.00"))
        self.assertNotIn("张家", response.content.decode())
        self.assertEqual(self.balance(self.elderly), Decimal("300.00"))
        rows = self.get(self.url(self.elderly, "entries"), self.bob).json()["results"]
        self.assertEqual([(r["kind"], r["household_name"]) for r in rows], [("donation_in", None), ("grant_out", "张*")])

    def test_a_viewer_reads_the_ledger_without_households_or_reasons(self):
        self.post(self.url(action="grant"), self.bob, {"household": self.home.pk, "amount": "10", "reason": "张三"})
        response = self.get(self.url(action="entries"), self.victor)
        self.assertEqual(response.status_code, 200)
        self.assertEqual({(r["household"], r["household_name"], r["reason"]) for r in response.json()["results"]},
                         {(None, None, None)})
        self.assertNoPersonalData(response)
        self.assertNotIn("张三", response.content.decode())

    def test_grants_the_restriction_or_the_balance_does_not_allow_change_nothing(self):
        body = self.assertError(self.post(self.url(self.elderly, "grant"), self.bob,
                                          {"household": self.plain_home.pk, "amount": "10"}), 400, "household")
        self.assertIn("household", body["errors"])
        body = self.assertError(self.post(self.url(self.elderly, "grant"), self.bob,
                                          {"household": self.home.pk, "amount": "500.01"}), 409, "amount")
        self.assertIn("500.00", body["detail"])
        for amount in ("0", "-3", "1.001", "lots"):
            self.assertError(self.post(self.url(action="grant"), self.bob,
                                       {"household": self.home.pk, "amount": amount}), 400, "amount")
        self.assertError(self.post(self.url(action="grant"), self.bob,
                                   {"household": self.other_home.pk, "amount": "1"}), 400, "household")
        self.assertEqual((self.balance(self.general), self.balance(self.elderly)),
                         (Decimal("1000.00"), Decimal("500.00")))
        self.assertFalse(FundEntry.objects.filter(kind="grant_out").exists())

    def test_transfers_keep_the_donor_s_restrictions(self):
        response = self.post(self.url(action="transfer"), self.bob,
                             {"to_account": self.elderly.pk, "amount": "250", "reason": "补充"})
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual((body["out"]["counterpart"], body["into"]["counterpart"]),
                         (body["into"]["id"], body["out"]["id"]))
        self.assertEqual((Decimal(body["from_account"]["balance"]), Decimal(body["to_account"]["balance"])),
                         (Decimal("750.00"), Decimal("750.00")))
        self.assertError(self.post(self.url(self.elderly, "transfer"), self.bob,
                                   {"to_account": self.general.pk, "amount": "1"}), 400, "to_account")
        self.assertError(self.post(self.url(action="transfer"), self.bob,
                                   {"to_account": self.other_account.pk, "amount": "1"}), 400, "to_account")
        self.assertError(self.post(self.url(action="transfer"), self.bob,
                                   {"to_account": self.general.pk, "amount": "1"}), 400, "to_account")
        self.assertError(self.post(self.url(action="transfer"), self.bob,
                                   {"to_account": self.elderly.pk, "amount": "750.01"}), 409, "amount")
        self.assertEqual((self.balance(self.general), self.balance(self.elderly)),
                         (Decimal("750.00"), Decimal("750.00")))

    def test_admins_correct_an_account_with_a_reason(self):
        self.assertError(self.post(self.url(action="correct"), self.bob, {"amount": "5", "reason": "点错"}), 403)
        self.assertError(self.post(self.url(action="correct"), self.alice, {"amount": "5", "reason": " "}), 400,
                         "reason")
        self.assertError(self.post(self.url(action="correct"), self.alice, {"amount": "0", "reason": "x"}), 400,
                         "amount")
        self.assertError(self.post(self.url(action="correct"), self.alice, {"amount": "-1000.01", "reason": "x"}),
                         409, "amount")
        self.assertEqual(self.balance(self.general), Decimal("1000.00"))
        response = self.post(self.url(action="correct"), self.alice, {"amount": "-0.50", "reason": "手续费"})
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual((response.json()["entry"]["kind"], Decimal(response.json()["account"]["balance"])),
                         ("correction", Decimal("999.50")))
        self.assertEqual(self.balance(self.general), Decimal("999.50"))

    def test_wrong_roles_get_403_and_outsiders_404(self):
        writes = {"grant": {"household": self.home.pk, "amount": "1"},
                  "transfer": {"to_account": self.elderly.pk, "amount": "1"},
                  "correct": {"amount": "1", "reason": "x"}}
        for action, data in writes.items():
            self.assertError(self.post(self.url(action=action), self.victor, data), 403)
            self.assertError(self.post(self.url(action=action), self.oscar, data), 404)
        self.assertError(self.post(self.url(action="correct"), self.carol, {"amount": "1", "reason": "x"}), 403)
        self.assertError(self.get(self.url(), self.oscar), 404)
        self.assertError(self.get(self.url(action="entries"), self.oscar), 404)
        self.assertError(self.get(URL, self.oscar, station=self.station.pk), 404)
        # This station's staff cannot reach the other station's account either.
        self.assertError(self.post(self.url(self.other_account, "grant"), self.alice,
                                   {"household": self.home.pk, "amount": "1"}), 404)
        self.assertEqual((self.balance(self.general), self.balance(self.elderly), self.balance(self.other_account)),
                         (Decimal("1000.00"), Decimal("500.00"), Decimal("100.00")))
