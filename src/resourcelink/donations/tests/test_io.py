"""Donation lines read from a spreadsheet into the receive form: headers in
either language, items by code or name, every problem by row and column,
and nothing used from a file with any problem."""

import datetime
import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from resourcelink.core.testing import StationTestCase
from resourcelink.donations.io import read_lines
from resourcelink.donations.models import Donation
from resourcelink.donations.testing import get_item, make_donor, make_store
from resourcelink.inventory.models import Lot
from resourcelink.inventory.services import item_archive

RECEIVE = reverse("donations:donation_receive")


def xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(text: str, encoding="utf-8") -> bytes:
    return text.encode(encoding)


class LinesFileTests(StationTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.store = make_store(cls.station, "一号仓库")
        cls.donor = make_donor(cls.station, name="爱心超市")

    def read(self, data: bytes, filename="lines.xlsx"):
        return read_lines(station=self.station, data=data, filename=filename)

    def test_it_reads_english_headers_and_items_by_code_or_name(self):
        data = xlsx([["Item", "Quantity", "Expiry date", "Estimated value"],
                     ["masks", 500, datetime.datetime(2030, 1, 31), 250],
                     ["Rice", "20", "", ""],
                     ["食用油", 10, "2027/5/1", "1,200.50"]])
        result = self.read(data)
        self.assertEqual(result.errors, [])
        self.assertEqual([(line.row, line.item.code, line.quantity, line.expires_on, line.estimated_value)
                          for line in result.lines],
                         [(2, "masks", 500, datetime.date(2030, 1, 31), Decimal("250.00")),
                          (3, "rice", 20, None, None),
                          (4, "cooking_oil", 10, datetime.date(2027, 5, 1), Decimal("1200.50"))])

    def test_it_reads_chinese_headers_from_a_gb18030_csv(self):
        text = "物资,数量,单位,有效期至,估计价值\n医用口罩,100,只,2030年1月1日,80元\n大米,5,袋,,\n"
        result = self.read(csv_bytes(text, "gb18030"), "明细.csv")
        self.assertEqual(result.errors, [])
        self.assertEqual([(line.item.code, line.quantity, line.expires_on, line.estimated_value)
                          for line in result.lines],
                         [("masks", 100, datetime.date(2030, 1, 1), Decimal("80.00")), ("rice", 5, None, None)])

    def test_it_reports_every_problem_by_row_and_column_and_uses_nothing(self):
        item_archive(actor=None, item=get_item(self.station, "fans"), check=False)
        text = ("Item,Quantity,Unit,Expiry date,Estimated value\n"
                "masks,100,只,2030-01-01,10\n"
                "unicorns,5,,,\n"
                "rice,zero,,,\n"
                "rice,0,,31/12/2030,-5\n"
                "masks,3,box,,\n"
                "fans,1,,,\n"
                ",2,,,\n")
        result = self.read(csv_bytes(text), "lines.csv")
        self.assertEqual(result.lines, [])
        got = [(e.row, e.column) for e in result.errors]
        self.assertEqual(got, [(3, "Item"), (4, "Quantity"), (5, "Quantity"), (5, "Expiry date"),
                               (5, "Estimated value"), (6, "Unit"), (7, "Item"), (8, "Item")])
        messages = {(e.row, e.column): e.message for e in result.errors}
        self.assertIn("“unicorns” is not in the station's catalogue", messages[(3, "Item")])
        self.assertIn("at least 1", messages[(5, "Quantity")])
        self.assertIn("YYYY-MM-DD", messages[(5, "Expiry date")])
        self.assertIn("“只”", messages[(6, "Unit")])

    def test_it_refuses_files_it_cannot_use(self):
        cases = [
            (csv_bytes("Quantity,Colour\n1,red\n"), ["Colour", ""]),   # unknown column, no item column
            (csv_bytes("Item,Quantity,Qty\nmasks,1,1\n"), ["Qty"]),     # the same column twice
            (csv_bytes("Item,Quantity\n"), [""]),                       # no lines
            (b"", [""]),                                                 # empty file
            (b"PK\x03\x04 not really a workbook", [""]),                 # a broken xlsx
        ]
        for data, columns in cases:
            result = self.read(data, "x.csv")
            self.assertEqual([e.column for e in result.errors], columns, data)
            self.assertEqual(result.lines, [])

    def test_it_limits_the_number_of_lines(self):
        text = "Item,Quantity\n" + "masks,1\n" * 501
        result = self.read(csv_bytes(text), "x.csv")
        self.assertEqual(result.lines, [])
        self.assertIn("at most 500 lines", result.errors[0].message)

    def test_it_fills_the_receive_form_from_a_file_and_saves_nothing_until_asked(self):
        self.login(self.bob)
        upload = SimpleUploadedFile("lines.xlsx", xlsx([["物资", "数量", "有效期至", "估计价值"],
                                                         ["masks", 300, "2030-03-01", 150],
                                                         ["rice", 8, None, None]]))
        r = self.client.post(RECEIVE, {"donor": self.donor.pk, "kind": "in_kind", "store": self.store.pk,
                                       "received_on": timezone.localdate().isoformat(), "read_file": "1",
                                       "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0",
                                       "lines_file": upload})
        self.assertEqual(r.status_code, 200)
        self.assertFalse(Donation.objects.exists())
        self.assertContains(r, "2 lines were read from the file.")
        formset = r.context["formset"]
        self.assertEqual([(f["item"].value(), f["quantity"].value()) for f in formset.forms],
                         [(get_item(self.station, "masks").pk, 300), (get_item(self.station, "rice").pk, 8)])
        self.assertEqual(r.context["form"]["donor"].value(), str(self.donor.pk))
        self.assertFalse(r.context["form"].errors)
        # The worker checks the lines and saves: the formset posts them back.
        data = {"donor": self.donor.pk, "kind": "in_kind", "store": self.store.pk,
                "received_on": timezone.localdate().isoformat(), "save": "1",
                "lines-TOTAL_FORMS": "2", "lines-INITIAL_FORMS": "2"}
        for i, form in enumerate(formset.forms):
            for name in ("item", "quantity", "expires_on", "estimated_value"):
                value = form[name].value()
                data[f"lines-{i}-{name}"] = "" if value is None else str(value)
        r = self.client.post(RECEIVE, data)
        donation = Donation.objects.get()
        self.assertRedirects(r, reverse("donations:donation_detail", args=[donation.pk]))
        self.assertEqual([(line.item.code, line.quantity, line.expires_on, line.estimated_value)
                          for line in donation.lines.order_by("id")],
                         [("masks", 300, datetime.date(2030, 3, 1), Decimal("150.00")), ("rice", 8, None, None)])
        self.assertEqual(Lot.objects.filter(donation_line__donation=donation).count(), 2)

    def test_it_lists_a_files_problems_and_keeps_the_typed_lines(self):
        self.login(self.bob)
        masks = get_item(self.station, "masks")
        upload = SimpleUploadedFile("lines.csv", csv_bytes("Item,Quantity\nmasks,many\n"))
        r = self.client.post(RECEIVE, {"donor": self.donor.pk, "kind": "in_kind", "store": self.store.pk,
                                       "received_on": timezone.localdate().isoformat(), "read_file": "1",
                                       "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0",
                                       "lines-0-item": masks.pk, "lines-0-quantity": "9", "lines_file": upload})
        self.assertContains(r, "The file was not read: nothing in it was used.")
        self.assertContains(r, "<td>2</td><td>Quantity</td><td>Write a whole number.</td>", html=True)
        self.assertEqual([f["quantity"].value() for f in r.context["formset"].forms], ["9"])
        self.assertFalse(Donation.objects.exists())
        r = self.client.post(RECEIVE, {"donor": self.donor.pk, "kind": "in_kind", "read_file": "1",
                                       "received_on": timezone.localdate().isoformat(),
                                       "lines-TOTAL_FORMS": "0", "lines-INITIAL_FORMS": "0"})
        self.assertContains(r, "Choose a file to read.")

    def test_it_gives_a_template_in_the_users_language(self):
        self.login(self.carol)
        r = self.client.get(reverse("donations:lines_template"))
        self.assertEqual(r.status_code, 200)
        book = load_workbook(io.BytesIO(r.content))
        self.assertEqual([c.value for c in book.worksheets[0][1]],
                         ["Item", "Quantity", "Unit", "Expiry date", "Estimated value"])
        codes = [row[0] for row in book.worksheets[1].iter_rows(min_row=2, values_only=True)]
        self.assertIn("masks", codes)
        r = self.client.get(reverse("donations:lines_template"), HTTP_ACCEPT_LANGUAGE="zh-hans")
        book = load_workbook(io.BytesIO(r.content))
        self.assertEqual([c.value for c in book.worksheets[0][1]], ["物资", "数量", "单位", "有效期至", "估计价值"])
        self.login(self.victor)
        self.assertEqual(self.client.get(reverse("donations:lines_template")).status_code, 403)

    def test_the_template_reads_back(self):
        from resourcelink.donations.io import lines_template

        for lang in ("en", "zh"):
            book = load_workbook(io.BytesIO(lines_template(station=self.station, lang=lang)))
            sheet = book.worksheets[0]
            sheet.append(["masks", 5, "只", "2031-01-01", 9])
            out = io.BytesIO()
            book.save(out)
            result = self.read(out.getvalue())
            self.assertEqual(result.errors, [], lang)
            self.assertEqual([(line.item.code, line.quantity) for line in result.lines], [("masks", 5)])
