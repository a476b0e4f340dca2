"""Stores, lots and a fund for the API tests of the store room, donations,
fund and distribution routers (on top of the people fixtures: a household
with a resident whose personal data no viewer may see)."""

import datetime

from django.utils import timezone

from resourcelink.inventory.testing import get_item, make_lot, make_store

from .people_base import PeopleApiTestCase


def days_from_now(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


class StoreApiTestCase(PeopleApiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.store = make_store(cls.station, "中心仓库")
        cls.store2 = make_store(cls.station, "二号仓库")
        cls.masks_item = get_item(cls.station, "masks")
        cls.lot = make_lot(cls.store, "masks", 100, expires_on=days_from_now(10))
        cls.rice_lot = make_lot(cls.store, "rice", 20)
        cls.other_store = make_store(cls.other_station, "北山仓库")
        cls.other_lot = make_lot(cls.other_store, "masks", 50)

    def put(self, url, user, data):
        return self.client.put(url, data, content_type="application/json", headers=self.auth(user))
