"""The store room the page tests share: two stores of the station with lots
expired, expiring soon and without a date, and another station's store and
lot that nobody here may see. (No tests in this module.)"""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from resourcelink.core.testing import StationTestCase
from resourcelink.inventory.models import Lot, StockMove
from resourcelink.inventory.testing import make_lot, make_store


class StoreRoomTestCase(StationTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        today = timezone.localdate()
        cls.today = today
        cls.main = make_store(cls.station, "一号仓库", address="湖滨路1号")
        cls.annex = make_store(cls.station, "二号仓库")
        cls.masks = make_lot(cls.main, "masks", quantity=100, expires_on=today + timedelta(days=10),
                             unit_value=Decimal("0.80"))
        cls.rice = make_lot(cls.main, "rice", quantity=20, expires_on=today - timedelta(days=1),
                            unit_value=Decimal("50.00"))
        cls.fans = make_lot(cls.main, "fans", quantity=5)
        cls.annex_masks = make_lot(cls.annex, "masks", quantity=40, expires_on=today + timedelta(days=200),
                                   unit_value=Decimal("1.00"))
        cls.far_store = make_store(cls.other_station, "北山仓库")
        cls.far_lot = make_lot(cls.far_store, "masks", quantity=7)

    def assert_ledger_consistent(self):
        """Every lot's cached figures equal the sums of its moves."""
        for lot in Lot.objects.all():
            moves = StockMove.objects.filter(lot=lot)
            self.assertEqual(lot.on_hand, sum(m.on_hand_delta for m in moves), f"lot #{lot.pk}")
            self.assertEqual(lot.reserved, sum(m.reserved_delta for m in moves), f"lot #{lot.pk}")

    def moves(self) -> int:
        return StockMove.objects.count()
