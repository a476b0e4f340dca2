"""Shared set-up for the interop tests: two communities with grids and a few
resources, and helpers that build spreadsheets in memory."""

import io

from openpyxl import Workbook, load_workbook

from resourcelink.communities.services import community_create, grid_create
from resourcelink.core.testing import StationTestCase
from resourcelink.directory.models import Resource
from resourcelink.directory.services import resource_create
from resourcelink.taxonomy.models import Category


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list], encoding: str = "utf-8") -> bytes:
    import csv

    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def read_xlsx(content: bytes, sheet: int = 0) -> list[list]:
    workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        return [list(r) for r in workbook.worksheets[sheet].iter_rows(values_only=True)]
    finally:
        workbook.close()


def sheet_names(content: bytes) -> list[str]:
    return load_workbook(io.BytesIO(content), read_only=True).sheetnames


class InteropTestCase(StationTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.lakeside = community_create(actor=cls.alice, station=cls.station, name="Lakeside", code="lakeside")
        cls.hillside = community_create(actor=cls.alice, station=cls.station, name="步行街社区", code="bxj")
        cls.g1 = grid_create(actor=cls.alice, community=cls.lakeside, name="Grid one", code="g1")
        cls.h1 = grid_create(actor=cls.alice, community=cls.hillside, name="一网格", code="h1")
        cls.masks = Category.objects.get(station=cls.station, code="protection.masks")
        cls.food = Category.objects.get(station=cls.station, code="food")
        cls.other_resource = resource_create(actor=cls.oscar, station=cls.other_station, name="Oscar's hall",
                                             kind="venue")

    def make_resources(self):
        self.barbers = resource_create(
            actor=self.bob, station=self.station, name="Volunteer barbers", kind="person", community=self.lakeside,
            grid=self.g1, categories=[self.food], contact_phone="13812345678", address="1 Lake Road",
            latitude=30.1, longitude=120.1,
        )
        self.masks_pile = resource_create(
            actor=self.bob, station=self.station, name="口罩储备", kind="material", community=self.hillside,
            categories=[self.masks], contact_phone="13987654321", quantity=500, unit="个",
        )
        return [self.barbers, self.masks_pile]

    def counts(self) -> tuple[int, int, int]:
        through = Resource.categories.through
        return (Resource.objects.count(), Resource.history.count(), through.objects.count())
