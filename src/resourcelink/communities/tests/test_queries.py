from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from resourcelink.communities import services
from resourcelink.directory.services import resource_create

from .base import CommunityTestCase, png_file


class QueryCountTests(CommunityTestCase):
    """Pages do not make a query per row."""

    def count(self, url):
        with CaptureQueriesContext(connection) as ctx:
            self.assertEqual(self.client.get(url).status_code, 200)
        return len(ctx.captured_queries)

    def test_it_keeps_the_walk_page_flat(self):
        self.login(self.bob)
        url = reverse("communities:walk_detail", args=[self.walk.pk])
        before = self.count(url)
        for i in range(4):
            obs = services.observation_create(actor=self.bob, walk=self.walk, title=f"店{i}", address="x",
                                              category=self.category, grid=self.grid2, photo=png_file())
            services.observation_promote(actor=self.bob, observation=obs)
        self.assertEqual(self.count(url), before)

    def test_it_keeps_the_community_list_flat(self):
        self.login(self.alice)
        url = reverse("communities:community_list")
        before = self.count(url)
        for i in range(3):
            community = services.community_create(actor=self.alice, station=self.station, name=f"社区{i}", code=f"c{i}")
            grid = services.grid_create(actor=self.alice, community=community, name="网格", code="g")
            resource_create(actor=self.bob, station=self.station, name=f"r{i}", kind="venue", community=community,
                            grid=grid)
        self.assertEqual(self.count(url), before)

    def test_it_keeps_the_walk_list_flat(self):
        self.login(self.bob)
        url = reverse("communities:walk_list")
        before = self.count(url)
        for _ in range(3):
            services.walk_create(actor=self.bob, station=self.station, community=self.community)
        self.assertEqual(self.count(url), before)
