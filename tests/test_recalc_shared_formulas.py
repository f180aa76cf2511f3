"""Shared formulas (issue 3, point 3): Excel writes a column filled down as one formula on its
first cell and references to it on the others; every cell of it is recalculated and written."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from productive_xl.headless.recalc import recalc


def _shared_workbook(path: Path) -> None:
    """B2:B5 = A*2 and C2:C5 = PRODUCTIVE_STOCK_RELEASE(A,B), each stored as a shared formula."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Stock"
    for row, before in enumerate((1000, 2500, 400, 9000), start=2):
        sheet.cell(row=row, column=1, value=before)
        sheet.cell(row=row, column=2, value=f"=A{row}/2")
        sheet.cell(row=row, column=3, value=f"=PRODUCTIVE_STOCK_RELEASE(A{row},B{row})")
    sheet["D1"] = "=SUM(C2:C5)"
    book.save(path)
    with zipfile.ZipFile(path) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in members:
            is_sheet = info.filename == "xl/worksheets/sheet1.xml"
            target.writestr(info, _as_shared(data) if is_sheet else data)


def _as_shared(xml: bytes) -> bytes:
    """Rewrite the filled-down columns the way Excel stores them, with stale cached values."""
    for column, index in ((b"B", b"0"), (b"C", b"1")):

        def shared(match: re.Match[bytes], column: bytes = column, index: bytes = index) -> bytes:
            row = int(match.group(1))
            if row == 2:
                formula = match.group(2)
                return (
                    b'<c r="'
                    + column
                    + b'2"><f t="shared" ref="'
                    + column
                    + b"2:"
                    + column
                    + b'5" si="'
                    + index
                    + b'">'
                    + formula
                    + b"</f><v>0</v></c>"
                )
            return (
                b'<c r="'
                + column
                + str(row).encode()
                + b'"><f t="shared" si="'
                + index
                + b'"/><v>0</v></c>'
            )

        xml = re.sub(
            rb'<c r="' + column + rb'(\d+)"[^>]*><f>([^<]*)</f><v\s*/?>(?:</v>)?</c>', shared, xml
        )
    return xml


def test_every_cell_of_a_shared_formula_is_recalculated(tmp_path: Path) -> None:
    source = tmp_path / "shared.xlsx"
    _shared_workbook(source)
    xml = zipfile.ZipFile(source).read("xl/worksheets/sheet1.xml")
    assert xml.count(b't="shared"') == 8
    assert xml.count(b"<f>") == 1  # D1 alone is not shared
    out = tmp_path / "out.xlsx"
    report = recalc(source, out)
    assert report.complete, report.not_recalculated
    values = openpyxl.load_workbook(out, data_only=True)["Stock"]
    for row, before in enumerate((1000, 2500, 400, 9000), start=2):
        assert values[f"B{row}"].value == before / 2
        assert values[f"C{row}"].value == before / 2  # released: before - before / 2
    assert values["D1"].value == pytest.approx((1000 + 2500 + 400 + 9000) / 2)
    written = zipfile.ZipFile(out).read("xl/worksheets/sheet1.xml")
    assert written.count(b't="shared"') == 8  # the formulas themselves are untouched
