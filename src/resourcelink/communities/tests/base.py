"""Shared setup: a community with two grids, a walk and an observation at
the personas' station, and the same at the outsider's station."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from resourcelink.communities import services
from resourcelink.core.testing import StationTestCase
from resourcelink.taxonomy.models import Category


def png_file(name: str = "shop.png", size=(8, 8)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


class CommunityTestCase(StationTestCase):
    def setUp(self):
        super().setUp()
        # Assertions read English messages whatever catalogue is installed.
        self.client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.community = services.community_create(
            actor=cls.alice, station=cls.station, name="西湖社区", code="xihu", latitude=30.25, longitude=120.15
        )
        cls.other_community = services.community_create(
            actor=cls.alice, station=cls.station, name="北山社区", code="beishan"
        )
        cls.grid = services.grid_create(actor=cls.alice, community=cls.community, name="一网格", code="g1")
        cls.grid2 = services.grid_create(actor=cls.alice, community=cls.community, name="二网格", code="g2")
        cls.foreign_grid = services.grid_create(actor=cls.alice, community=cls.other_community, name="北一", code="b1")
        cls.category = Category.objects.get(station=cls.station, code="care")
        cls.foreign_category = Category.objects.get(station=cls.other_station, code="care")
        cls.walk = services.walk_create(actor=cls.bob, station=cls.station, community=cls.community,
                                        route_notes="南山路一带")
        cls.observation = services.observation_create(
            actor=cls.bob, walk=cls.walk, title="理发店", kind="business", category=cls.category, grid=cls.grid,
            address="南山路 1 号",
        )
        # The outsider's station has its own records.
        cls.far_community = services.community_create(actor=cls.oscar, station=cls.other_station,
                                                      name="远方社区", code="far")
        cls.far_grid = services.grid_create(actor=cls.oscar, community=cls.far_community, name="远一", code="f1")
        cls.far_walk = services.walk_create(actor=cls.oscar, station=cls.other_station, community=cls.far_community)
