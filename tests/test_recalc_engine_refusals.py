"""Valid workbooks the engine refuses or panics on (issue 8, point 4), and --timeout (point 5).

Each workbook is built here, in the shape Excel saves: Strict Open XML, a data table, a sheet
whose part is missing, a style sheet without <cellStyles>. Each is recalculated or kept, with
the values worked out by hand, and never ends in a traceback.
"""

from __future__ import annotations

import json
import re
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ironcalc
import openpyxl
import pytest
from command_line import run_productive_xl
from libreoffice import SOFFICE, recalculate_with_libreoffice

from productive_xl.cli.main import EXIT_PARTLY_RECALCULATED
from productive_xl.headless.recalc import recalc

Edit = Callable[[str, bytes], bytes]
RELATIONSHIPS = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _rewritten(
    source: Path, target: Path, edit: Edit, extra: dict[str, bytes] | None = None
) -> Path:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for member in old.infolist():
            new.writestr(member.filename, edit(member.filename, old.read(member.filename)))
        for name, data in (extra or {}).items():
            new.writestr(name, data)
    return target


def _sheet_xml(path: Path, part: str = "xl/worksheets/sheet1.xml") -> str:
    with zipfile.ZipFile(path) as package:
        return package.read(part).decode()


def _cell(xml: str, reference: str) -> str:
    found = re.search(rf'<c r="{reference}"[^>]*?(?:/>|>.*?</c>)', xml)
    assert found, reference
    return found.group(0)


def _value(xml: str, reference: str) -> str:
    found = re.search(r"<v>([^<]*)</v>", _cell(xml, reference))
    assert found, reference
    return found.group(1)


def _recalc_cli(path: Path, tmp_path: Path, *options: str) -> tuple[int, str, Path, dict[str, Any]]:
    out = tmp_path / f"out{path.suffix}"
    report = tmp_path / "report.json"
    done = run_productive_xl("recalc", str(path), "-o", str(out), "--report", str(report), *options)
    output = done.stdout + done.stderr
    assert "Traceback" not in output, output
    assert "panicked" not in output, output
    return done.returncode, output, out, json.loads(report.read_text(encoding="utf-8"))


def _reasons(report: dict[str, Any]) -> dict[str, str]:
    return {item["cell"]: item["reason"] for item in report["not_recalculated"]}


# --- Strict Open XML -------------------------------------------------------------------------

_TO_STRICT = [
    (
        b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties",
        b"http://purl.oclc.org/ooxml/officeDocument/relationships/extendedProperties",
    ),
    (
        b"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties",
        b"http://purl.oclc.org/ooxml/officeDocument/extendedProperties",
    ),
    (
        b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
        b"http://purl.oclc.org/ooxml/officeDocument/relationships",
    ),
    (
        b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
        b"http://purl.oclc.org/ooxml/spreadsheetml/main",
    ),
    (
        b"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes",
        b"http://purl.oclc.org/ooxml/officeDocument/docPropsVTypes",
    ),
    (
        b"http://schemas.openxmlformats.org/drawingml/2006/main",
        b"http://purl.oclc.org/ooxml/drawingml/main",
    ),
]


def _to_strict(name: str, data: bytes) -> bytes:
    for transitional, strict in _TO_STRICT:
        data = data.replace(transitional, strict)
    if name == "xl/workbook.xml":
        data = data.replace(b"<workbook ", b'<workbook conformance="strict" ', 1)
    if name == "xl/worksheets/sheet1.xml":
        # Strict writes a date as ISO 8601 text; A5 adds a day to it; A3 is stale
        data = data.replace(
            b'<c r="A4" t="n"><v>0</v></c>', b'<c r="A4" t="d"><v>2024-03-01</v></c>'
        ).replace(b"<f>A1*A2+1</f><v></v>", b"<f>A1*A2+1</f><v>0</v>")
    return data


@pytest.fixture
def strict_workbook(tmp_path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"], sheet["A2"], sheet["A3"] = 2, 3, "=A1*A2+1"
    sheet["A4"], sheet["A5"] = 0, "=A4+1"
    sheet["B1"] = '=IF(A3>5,"big","small")'
    book.save(tmp_path / "transitional.xlsx")
    strict = _rewritten(tmp_path / "transitional.xlsx", tmp_path / "strict.xlsx", _to_strict)
    xml = _sheet_xml(strict)
    assert 't="d"' in xml
    assert "purl.oclc.org" in xml
    assert "schemas.openxmlformats" not in xml
    with pytest.raises(ironcalc.WorkbookError):  # the engine alone refuses it
        ironcalc.load_from_xlsx(str(strict))
    return strict


def test_a_strict_workbook_is_recalculated_and_stays_strict(
    strict_workbook: Path, tmp_path: Path
) -> None:
    status, output, out, report = _recalc_cli(strict_workbook, tmp_path)
    assert status == 0, output
    xml = _sheet_xml(out)
    assert _value(xml, "A3") == "7"  # 2 * 3 + 1
    assert _value(xml, "A5") == "45353"  # 2024-03-01 is day 45352 of the 1900 system
    assert _value(xml, "B1") == "big"
    assert 't="str"' in _cell(xml, "B1")
    assert _cell(xml, "A4") == '<c r="A4" t="d"><v>2024-03-01</v></c>'  # not a formula: as it was
    with zipfile.ZipFile(out) as package, zipfile.ZipFile(strict_workbook) as before:
        for name in before.namelist():  # only the sheet changed; every part keeps Strict
            if name != "xl/worksheets/sheet1.xml":
                assert package.read(name) == before.read(name), name
        assert b"http://purl.oclc.org/ooxml/spreadsheetml/main" in package.read("xl/workbook.xml")
    assert "http://purl.oclc.org/ooxml/spreadsheetml/main" in xml
    assert "schemas.openxmlformats.org/spreadsheetml" not in xml
    assert report["complete"] is True


@pytest.mark.slow
@pytest.mark.libreoffice
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_the_strict_workbook_recalc_wrote(
    strict_workbook: Path, tmp_path: Path
) -> None:
    _recalc_cli(strict_workbook, tmp_path)
    recalculate_with_libreoffice(tmp_path / "out.xlsx", tmp_path / "libreoffice.xlsx")
    values = openpyxl.load_workbook(tmp_path / "libreoffice.xlsx", data_only=True).active
    assert values is not None
    assert (values["A3"].value, values["A5"].value, values["B1"].value) == (7, 45353, "big")


def test_a_strict_workbook_that_cannot_be_translated_keeps_every_formula(
    strict_workbook: Path, tmp_path: Path
) -> None:
    def unknown(name: str, data: bytes) -> bytes:
        if name == "xl/workbook.xml":
            return data.replace(
                b"<workbook ", b'<workbook xmlns:u="http://purl.oclc.org/ooxml/unknown/thing" ', 1
            )
        return data

    odd = _rewritten(strict_workbook, tmp_path / "odd.xlsx", unknown)
    status, output, out, report = _recalc_cli(odd, tmp_path)
    assert status == EXIT_PARTLY_RECALCULATED
    assert len(output.strip().splitlines()) == 2, output  # the line, and where it was written
    assert "Strict Open XML" in output
    assert "unknown/thing" in output
    assert out.read_bytes() == odd.read_bytes()
    assert report["kept"]
    assert report["recalculated"] == 0
    assert {item["cell"] for item in report["not_recalculated"]} == {
        "Sheet!A3",
        "Sheet!A5",
        "Sheet!B1",
    }


# --- data tables ---------------------------------------------------------------------------


@pytest.fixture
def data_table_workbook(tmp_path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"] = 2  # the data table's input cell
    sheet["B1"] = "=A1*10"
    sheet["A4"], sheet["A5"], sheet["A6"] = 1, 2, 3
    sheet["B3"] = "=B1"
    sheet["B4"], sheet["B5"], sheet["B6"] = 10, 20, 30  # what Excel stored: {=TABLE(,A1)}
    sheet["C1"] = "=SUM(B4:B6)"
    sheet["D1"] = "=A1+1"
    book.save(tmp_path / "plain.xlsx")

    def data_table(name: str, data: bytes) -> bytes:
        if name == "xl/worksheets/sheet1.xml":
            data = data.replace(
                b'<c r="B4" t="n"><v>10</v></c>',
                b'<c r="B4"><f t="dataTable" ref="B4:B6" dt2D="0" dtr="0" r1="A1"/><v>10</v></c>',
            )
            for cell, value in ((b"B1", b"20"), (b"B3", b"20"), (b"C1", b"60"), (b"D1", b"0")):
                data = re.sub(
                    rb'(<c r="' + cell + rb'"[^>]*><f>[^<]*</f>)<v\s*/?>(?:</v>)?',
                    rb"\1<v>" + value + rb"</v>",
                    data,
                )
        return data

    path = _rewritten(tmp_path / "plain.xlsx", tmp_path / "table.xlsx", data_table)
    assert 't="dataTable"' in _sheet_xml(path)
    with pytest.raises(ironcalc.WorkbookError, match="data table"):
        ironcalc.load_from_xlsx(str(path))
    return path


def test_data_table_cells_keep_excels_values_and_are_reported(
    data_table_workbook: Path, tmp_path: Path
) -> None:
    status, output, out, report = _recalc_cli(data_table_workbook, tmp_path)
    assert status == EXIT_PARTLY_RECALCULATED, output
    reasons = _reasons(report)
    assert reasons["Sheet!B4"] == "a data table, which the engine cannot compute"
    assert "depends on Sheet!B" in reasons["Sheet!C1"]  # SUM over the data table
    assert set(reasons) == {"Sheet!B4", "Sheet!C1"}
    xml = _sheet_xml(out)
    assert _cell(xml, "B4") == _cell(_sheet_xml(data_table_workbook), "B4")  # kept as it was
    assert (_value(xml, "B5"), _value(xml, "B6"), _value(xml, "C1")) == ("20", "30", "60")
    assert _value(xml, "D1") == "3"  # 2 + 1: the rest is recalculated
    assert _value(xml, "B1") == "20"
    assert _value(xml, "B3") == "20"


# --- what makes the engine panic --------------------------------------------------------------


def _engine_failure(path: Path) -> str | None:
    """The name of what the engine alone raises loading ``path`` (pyo3's PanicException is a
    BaseException and has no importable name)."""
    try:
        ironcalc.load_from_xlsx(str(path))
    except BaseException as error:
        return type(error).__name__
    return None


def _simple_book(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"], sheet["A2"] = 2, "=A1*3"
    book.save(path)
    return path


def test_a_style_sheet_without_cell_styles_is_given_one_in_the_engines_copy(
    tmp_path: Path,
) -> None:
    def no_cell_styles(name: str, data: bytes) -> bytes:
        if name == "xl/styles.xml":
            return re.sub(rb"<cellStyles\b.*?</cellStyles>", b"", data, flags=re.DOTALL)
        return data

    path = _rewritten(_simple_book(tmp_path / "a.xlsx"), tmp_path / "b.xlsx", no_cell_styles)
    with zipfile.ZipFile(path) as package:
        styles = package.read("xl/styles.xml")
    assert b"cellStyle" not in styles.replace(b"cellStyleXfs", b"")
    assert _engine_failure(path) == "PanicException"
    status, output, out, _report = _recalc_cli(path, tmp_path)
    assert status == 0, output
    assert _value(_sheet_xml(out), "A2") == "6"
    with zipfile.ZipFile(out) as package:
        assert package.read("xl/styles.xml") == styles  # the user's file is not changed for it


def test_a_sheet_without_a_part_is_given_an_empty_one_and_its_readers_are_kept(
    tmp_path: Path,
) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"], sheet["B1"], sheet["B2"] = 2, "='Macro sheet'!A1+1", "=A1*2"
    book.save(tmp_path / "a.xlsx")

    def macro_sheet_dropped(name: str, data: bytes) -> bytes:
        if name == "xl/workbook.xml":  # as LibreOffice leaves an Excel 4 macro sheet
            return data.replace(
                b"</sheets>",
                b'<sheet xmlns:r="' + RELATIONSHIPS + b'" name="Macro sheet" sheetId="9" r:id=""/>'
                b"</sheets>",
            )
        if name == "xl/worksheets/sheet1.xml":
            data = re.sub(rb"(<f>'Macro sheet'!A1\+1</f>)<v\s*/?>(?:</v>)?", rb"\1<v>42</v>", data)
        return data

    path = _rewritten(tmp_path / "a.xlsx", tmp_path / "b.xlsx", macro_sheet_dropped)
    assert _engine_failure(path) in ("PanicException", "WorkbookError")
    status, output, out, report = _recalc_cli(path, tmp_path)
    assert status == EXIT_PARTLY_RECALCULATED, output
    assert _reasons(report) == {
        "Sheet!B1": "reads the sheet Macro sheet, whose cells the file does not hold"
    }
    xml = _sheet_xml(out)
    assert (_value(xml, "B1"), _value(xml, "B2")) == ("42", "4")


def test_any_other_engine_refusal_keeps_every_formula_in_one_line(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    first["A1"], first["A2"] = 2, "=A1*3"
    book.create_sheet("Empty")
    book.save(tmp_path / "a.xlsx")

    def beyond_the_last_column(name: str, data: bytes) -> bytes:  # a value the engine refuses
        if name == "xl/worksheets/sheet2.xml":
            cell = b'<sheetData><row r="1"><c r="XFE1"><v>1</v></c></row></sheetData>'
            return re.sub(
                rb"<sheetData\s*/>|<sheetData>.*?</sheetData>", cell, data, flags=re.DOTALL
            )
        return data

    path = _rewritten(tmp_path / "a.xlsx", tmp_path / "b.xlsx", beyond_the_last_column)
    assert _engine_failure(path) in ("PanicException", "WorkbookError")
    status, output, out, report = _recalc_cli(path, tmp_path)
    assert status == EXIT_PARTLY_RECALCULATED
    lines = output.strip().splitlines()
    assert len(lines) == 2, output
    assert lines[0].startswith(f"{path}: not recalculated, every formula keeps its value: ")
    assert out.read_bytes() == path.read_bytes()
    assert report["kept"]
    assert report["not_recalculated"][0]["cell"] == "Sheet!A2"


def test_an_engine_panic_reaches_the_api_as_a_kept_workbook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _simple_book(tmp_path / "a.xlsx")

    def panics(_: str) -> None:
        raise type("PanicException", (BaseException,), {})("index out of bounds")

    monkeypatch.setattr(ironcalc, "load_from_xlsx", panics)
    report = recalc(path, tmp_path / "out.xlsx")
    assert report.kept == "the engine failed (index out of bounds)"
    assert not report.complete
    assert report.recalculated == 0
    assert (tmp_path / "out.xlsx").read_bytes() == path.read_bytes()


# --- --timeout -------------------------------------------------------------------------------

ROWS, FORMULAS = 20_000, 1_000  # about 5 s in the engine alone on this project's machines


@pytest.fixture(scope="module")
def slow_workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("slow") / "slow.xlsx"
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Data")
    for row in range(1, ROWS + 1):
        formula = f"=SUMPRODUCT($A$1:$A${ROWS}*$B$1:$B${ROWS})+{row}" if row <= FORMULAS else None
        sheet.append([row, row % 7, formula])
    book.save(path)
    return path


def test_timeout_ends_the_work_with_every_formula_kept(slow_workbook: Path, tmp_path: Path) -> None:
    before = slow_workbook.read_bytes()
    started = time.monotonic()
    status, output, out, report = _recalc_cli(slow_workbook, tmp_path, "--timeout", "0.5")
    elapsed = time.monotonic() - started
    assert status == EXIT_PARTLY_RECALCULATED
    assert elapsed < 4.0, elapsed  # the engine alone takes about 5 s
    lines = output.strip().splitlines()
    assert len(lines) == 2, output
    assert "not recalculated within the time limit (0.5 s)" in lines[0]
    assert out.read_bytes() == before == slow_workbook.read_bytes()
    assert report["kept"]
    assert report["complete"] is False


def test_timeout_in_the_api_and_a_limit_long_enough(tmp_path: Path, slow_workbook: Path) -> None:
    report = recalc(slow_workbook, tmp_path / "out.xlsx", timeout=0.3)
    assert report.kept is not None
    assert "time limit" in report.kept
    small = _simple_book(tmp_path / "small.xlsx")
    report = recalc(small, tmp_path / "small-out.xlsx", timeout=60)
    assert report.kept is None
    assert report.complete
    assert report.recalculated == 1
    assert _value(_sheet_xml(tmp_path / "small-out.xlsx"), "A2") == "6"


@pytest.mark.parametrize("given", ["0", "-1", "abc", "inf"])
def test_timeout_must_be_a_positive_number(given: str, tmp_path: Path) -> None:
    done = run_productive_xl("recalc", "x.xlsx", "-o", str(tmp_path / "o.xlsx"), "--timeout", given)
    assert done.returncode == 2
    assert "not a number of seconds above 0" in done.stderr
