from resourcelink.communities.services import community_create
from resourcelink.core.history import history_for
from resourcelink.core.testing import StationTestCase
from resourcelink.directory.services import resource_create, resource_update
from resourcelink.taxonomy.models import Category


class HistoryTests(StationTestCase):
    def test_it_records_who_changed_what_and_why(self):
        community = community_create(actor=self.alice, station=self.station, name="步行街社区", code="bxj")
        masks = Category.objects.get(station=self.station, code="protection.masks")
        gloves = Category.objects.get(station=self.station, code="protection.gloves")
        resource = resource_create(actor=self.bob, station=self.station, name="珠宝协会", kind="organization",
                                   community=community, categories=[masks])
        resource_update(actor=self.alice, resource=resource, name="珠宝协会（步行街）", categories=[gloves],
                        reason="Renamed after a call")
        entries = history_for(resource)
        self.assertEqual([e.who for e in entries], ["Alice", "Bob"])
        latest = entries[0]
        self.assertEqual(latest.reason, "Renamed after a call")
        changes = {c.field: (c.old, c.new) for c in latest.changes}
        self.assertEqual(changes["name"], ("珠宝协会", "珠宝协会（步行街）"))
        self.assertEqual(changes["categories"], (str(masks), str(gloves)))
        self.assertEqual(entries[1].action, "created")

    def test_it_skips_saves_that_changed_nothing(self):
        resource = resource_create(actor=self.bob, station=self.station, name="理发志愿者", kind="person")
        resource_update(actor=self.bob, resource=resource, name="理发志愿者")
        self.assertEqual(len(history_for(resource)), 1)

    def test_it_never_deletes_a_resource_it_archives(self):
        from resourcelink.directory.models import Resource
        from resourcelink.directory.services import resource_set_status

        resource = resource_create(actor=self.bob, station=self.station, name="旧仓库", kind="venue")
        resource_set_status(actor=self.bob, resource=resource, status="archived", reason="Building demolished")
        self.assertEqual(Resource.objects.get(pk=resource.pk).status, "archived")
        self.assertEqual(history_for(resource)[0].reason, "Building demolished")
