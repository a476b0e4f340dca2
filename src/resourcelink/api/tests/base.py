"""A station with a few communities, grids and resources, and a token per persona."""

from resourcelink.accounts.models import Role
from resourcelink.accounts.services import api_token_create, membership_add
from resourcelink.communities.services import community_create, grid_create
from resourcelink.core.testing import StationTestCase
from resourcelink.directory.services import resource_create
from resourcelink.taxonomy.models import Category

PHONE = "13812345678"


class ApiTestCase(StationTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.keys = {}
        for user in (cls.alice, cls.bob, cls.carol, cls.victor, cls.oscar):
            _, cls.keys[user.username] = api_token_create(user=user, name="tests")
        cls.community = community_create(actor=None, station=cls.station, name="东坡社区", code="dongpo", check=False)
        cls.grid = grid_create(actor=None, community=cls.community, name="一号网格", code="g1", check=False)
        cls.other_community = community_create(
            actor=None, station=cls.other_station, name="北山社区", code="beishan", check=False
        )
        cls.other_grid = grid_create(actor=None, community=cls.other_community, name="二号网格", code="g2",
                                     check=False)
        cls.staple = Category.objects.get(station=cls.station, code="food.staple")
        cls.masks = Category.objects.get(station=cls.station, code="protection.masks")
        cls.jewellers = resource_create(
            actor=None, station=cls.station, check=False, name="珠宝协会", kind="organization",
            categories=[cls.staple], community=cls.community, grid=cls.grid, contact_phone=PHONE,
            latitude=30.2741, longitude=120.1551, tags="志愿, 捐赠",
        )
        cls.mask_shop = resource_create(
            actor=None, station=cls.station, check=False, name="Mask shop", kind="business",
            categories=[cls.masks], latitude=30.3741, longitude=120.1551, is_formal=False,
        )
        cls.other_resource = resource_create(
            actor=None, station=cls.other_station, check=False, name="北山粮店", kind="business",
            community=cls.other_community, contact_phone=PHONE,
        )

    def auth(self, user) -> dict:
        return {"Authorization": f"Bearer {self.keys[user.username]}"}

    def get(self, url, user, **params):
        return self.client.get(url, params, headers=self.auth(user))

    def post(self, url, user, data):
        return self.client.post(url, data, content_type="application/json", headers=self.auth(user))

    def patch(self, url, user, data):
        return self.client.patch(url, data, content_type="application/json", headers=self.auth(user))

    def assertError(self, response, status, field=None):
        self.assertEqual(response.status_code, status, response.content)
        body = response.json()
        self.assertEqual(set(body), {"detail", "errors"})
        self.assertTrue(body["detail"])
        if field is not None:
            self.assertIn(field, body["errors"])
            self.assertTrue(all(isinstance(m, str) for m in body["errors"][field]))
        return body


def add_membership(user, station, role=Role.VIEWER):
    return membership_add(actor=None, station=station, user=user, role=role, check=False)
