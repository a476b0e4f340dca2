import datetime as dt

import pytest

from resourcelink.interop.spreadsheets import (
    SheetData,
    SpreadsheetError,
    read_table,
    write_csv,
    write_xlsx,
)

from .base import csv_bytes, xlsx_bytes


def test_it_reads_an_xlsx_with_spreadsheet_row_numbers():
    data = xlsx_bytes([["Name", "Kind", None], [], ["A", "person"], ["B", 13812345678, dt.date(2024, 1, 2)]])
    table = read_table(data, "x.xlsx")
    assert table.header == ["Name", "Kind"]
    assert table.rows == [(3, ["A", "person"]), (4, ["B", 13812345678, dt.date(2024, 1, 2)])]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_it_reads_csv_in_the_encodings_excel_writes(encoding):
    data = csv_bytes([["名称", "类型"], ["珠宝协会", "组织"]], encoding)
    table = read_table(data, "x.csv")
    assert table.header == ["名称", "类型"]
    assert table.rows == [(2, ["珠宝协会", "组织"])]


def test_it_round_trips_its_own_files():
    xlsx = write_xlsx([SheetData("S", ["a", "b"], [["x", 1], ["y", dt.date(2024, 5, 6)]])])
    assert read_table(xlsx, "f.xlsx").rows == [(2, ["x", 1]), (3, ["y", dt.date(2024, 5, 6)])]
    csv = write_csv(["a", "b"], [["x", 1], ["中文", dt.date(2024, 5, 6)]])
    assert csv.startswith(b"\xef\xbb\xbf")
    assert read_table(csv, "f.csv").rows == [(2, ["x", "1"]), (3, ["中文", "2024-05-06"])]


@pytest.mark.parametrize("data,filename,message", [
    (b"", "x.csv", "The file is empty."),
    (b"\n\n  \n", "x.csv", "The file is empty."),
    (b",,\n,,\n", "x.csv", "The file has no header row"),
    (bytes(range(256)) * 20, "x.xlsx", "not a readable Excel workbook"),
    (bytes(range(256)) * 20, "x.csv", "not a spreadsheet"),
    (b"PK\x03\x04" + b"\x00" * 100, "x.xlsx", "not a readable Excel workbook"),
    (b"\xd0\xcf\x11\xe0 old excel", "x.xls", "Old Excel files"),
])
def test_it_reports_a_broken_file_clearly(data, filename, message):
    with pytest.raises(SpreadsheetError) as exc:
        read_table(data, filename)
    assert message in str(exc.value)


def test_it_reports_a_truncated_workbook():
    data = xlsx_bytes([["Name"], ["A"]])
    with pytest.raises(SpreadsheetError):
        read_table(data[: len(data) // 2], "x.xlsx")
