"""Headers and a workbook builder for the household, resident and need tests."""

import io

from openpyxl import Workbook

HH_EN = ["Household ref", "Household name", "Address", "Community", "Grid", "Latitude", "Longitude", "Notes"]
RES_EN = ["Household ref", "Resident ref", "Name", "Gender", "Relation", "Birth date", "Phone", "ID number",
          "Vulnerabilities", "Notes"]
NEED_EN = ["Need ref", "Household ref", "Resident", "Category", "Description", "Quantity", "Unit", "Urgency",
           "Due by", "Source"]


def workbook(sheets: dict[str, list[list]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
