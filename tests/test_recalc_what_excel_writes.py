"""Two things Excel writes that recalc must read and write as Excel does (issue 8, point 3):
the 1904 date system of a workbook whose extLst holds Excel 2013's <x15:workbookPr>, and a
carriage return in a text result, which Excel stores as _x000D_."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
from packages import edited_copy
from python_calamine import CalamineWorkbook

from productive_xl.headless.recalc import recalc
from productive_xl.ooxml.cell_values import encoded_value
from productive_xl.ooxml.package import open_package
from productive_xl.ooxml.workbook import read_workbook

# What Excel 2013 and later add at the end of workbook.xml (the x15 element has no date1904).
X15_EXTENSION = (
    b'<extLst><ext uri="{140A7794-F6EE-4F98-8A8B-3E6F4B0C5DF4}" '
    b'xmlns:x15="http://schemas.microsoft.com/office/spreadsheetml/2010/11/main">'
    b'<x15:workbookPr chartTrackingRefBase="1"/></ext></extLst>'
)


def _workbook_1904(path: Path, *, with_x15: bool) -> Path:
    book = openpyxl.Workbook()
    book.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    sheet = book.active
    assert sheet is not None
    sheet["A1"] = 1
    plain = path.with_name("plain-" + path.name)
    book.save(plain)
    if not with_x15:
        return plain

    def add_extension(xml: bytes) -> bytes:
        assert b'date1904="1"' in xml or b"date1904='1'" in xml
        return xml.replace(b"</workbook>", X15_EXTENSION + b"</workbook>")

    edited_copy(plain, path, {"xl/workbook.xml": add_extension})
    return path


def test_a_1904_workbook_stays_1904_beside_excel_2013s_x15_workbook_pr(tmp_path: Path) -> None:
    for with_x15 in (False, True):
        path = _workbook_1904(tmp_path / "dates.xlsx", with_x15=with_x15)
        assert read_workbook(open_package(path)).date_1904, with_x15


def test_a_1900_workbook_with_the_extension_is_1900(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    plain, path = tmp_path / "plain.xlsx", tmp_path / "x15.xlsx"
    book.save(plain)
    edited_copy(
        plain,
        path,
        {
            "xl/workbook.xml": lambda xml: xml.replace(
                b"</workbook>", X15_EXTENSION + b"</workbook>"
            )
        },
    )
    assert not read_workbook(open_package(path)).date_1904


def test_a_carriage_return_is_stored_as_excel_stores_it() -> None:
    assert encoded_value("a\rb") == ("str", "a_x000D_b")
    # a line feed and a tab survive XML as they are, and Excel writes them so
    assert encoded_value("a\nb\tc") == ("str", "a\nb\tc")


def test_recalc_writes_a_text_with_a_carriage_return_that_reads_back_whole(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"] = '="top"&CHAR(13)&CHAR(10)&"bottom"'
    source, out = tmp_path / "text.xlsx", tmp_path / "out.xlsx"
    book.save(source)
    report = recalc(source, out)
    assert report.complete
    with zipfile.ZipFile(out) as package:
        sheet_xml = package.read("xl/worksheets/sheet1.xml")
    value = re.search(rb"<v>(.*?)</v>", sheet_xml, re.S)
    assert value is not None
    assert value.group(1) == b"top_x000D_\nbottom"
    # python-calamine reads the escape back as Excel does (openpyxl leaves it in formula results)
    assert CalamineWorkbook.from_path(out).get_sheet_by_index(0).to_python() == [["top\r\nbottom"]]
