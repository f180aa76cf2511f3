"""Never a wrong value (issue 3, point 4): what the engine cannot evaluate keeps its old value,
and it and every cell depending on it are reported as not recalculated."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter  # type: ignore[import-untyped]
from command_line import run_productive_xl

from productive_xl.cli.main import EXIT_PARTLY_RECALCULATED
from productive_xl.headless.recalc import recalc

EXTERNAL_LINK = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><externalBook \
xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" r:id="rId1">\
<sheetNames><sheetName val="Sheet1"/></sheetNames></externalBook></externalLink>"""


def _with_external_link(path: Path) -> None:
    """Declare an external workbook [1] in the package, as Excel does for a linked formula."""
    with zipfile.ZipFile(path) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, original in members:
            data = original
            if info.filename == "xl/_rels/workbook.xml.rels":
                data = original.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/'
                    b'officeDocument/2006/relationships/externalLink" '
                    b'Target="externalLinks/externalLink1.xml"/></Relationships>',
                )
            elif info.filename == "xl/workbook.xml":
                data = re.sub(
                    rb"(</sheets>)",
                    rb"\1<externalReferences>"
                    rb'<externalReference r:id="rId99"/></externalReferences>',
                    original,
                )
            target.writestr(info, data)
        target.writestr("xl/externalLinks/externalLink1.xml", EXTERNAL_LINK)
        target.writestr(
            "xl/externalLinks/_rels/externalLink1.xml.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns='
            '"http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'externalLinkPath" Target="Budget.xlsx" TargetMode="External"/></Relationships>',
        )


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, object]:
    folder = tmp_path_factory.mktemp("never-wrong")
    source = folder / "awkward.xlsx"
    book = xlsxwriter.Workbook(str(source))
    sheet = book.add_worksheet("Sheet1")
    sheet.write("B1", 21)
    book.define_name("Doubled", "=Sheet1!$B$1*2")
    # cached values are those Excel stored; the engine cannot work out A1, A4, A6 or A9
    sheet.write_formula("A1", '=WEBSERVICE("http://trust.invalid/rate")', None, 7)
    sheet.write_formula("A2", "=A1*10", None, 70)
    sheet.write_formula("A3", "=IFERROR(A2,0)+1", None, 71)  # would hide an error: still kept
    sheet.write_formula("A4", '=INFO("osversion")', None, "Windows (64-bit) NT 10.00")
    sheet.write_formula("A5", '=A4&"!"', None, "Windows (64-bit) NT 10.00!")
    sheet.write_formula("A6", "=Doubled+1", None, 43)
    sheet.write_formula("A7", "=B1*3", None, 0)  # stale, and computable: it is recalculated
    sheet.write_formula("A8", "=SUM(A7,B1)", None, 0)
    sheet.write_formula("A9", "=[1]Sheet1!$A$1*2", None, 12)
    sheet.write_formula("A10", "=PRODUCTIVE_SAVING(A9,0,1)", None, 12)
    book.close()
    _with_external_link(source)
    out = folder / "out.xlsx"
    return source, out, recalc(source, out)


def test_cells_the_engine_cannot_evaluate_keep_their_values(
    result: tuple[Path, Path, object],
) -> None:
    _, out, _ = result
    values = {
        c.coordinate: c.value
        for row in openpyxl.load_workbook(out, data_only=True)["Sheet1"].iter_rows()
        for c in row
    }
    assert values["A1"] == 7
    assert values["A2"] == 70
    assert values["A3"] == 71
    assert values["A4"] == "Windows (64-bit) NT 10.00"
    assert values["A5"] == "Windows (64-bit) NT 10.00!"
    assert values["A6"] == 43
    assert values["A9"] == 12
    assert values["A10"] == 12
    assert values["A7"] == 63  # 21 x 3, recalculated
    assert values["A8"] == 84  # 63 + 21


def test_they_are_reported_with_their_reasons(result: tuple[Path, Path, object]) -> None:
    _, _, report = result
    reasons = {item["cell"]: item["reason"] for item in report.not_recalculated}  # type: ignore[attr-defined]
    assert set(reasons) == {f"Sheet1!A{n}" for n in (1, 2, 3, 4, 5, 6, 9, 10)}
    assert "WEBSERVICE" in reasons["Sheet1!A1"]
    assert "depends on Sheet1!A1" in reasons["Sheet1!A3"]
    assert "INFO" in reasons["Sheet1!A4"]  # never trusted (the engine gives #N/IMPL! too)
    assert "name defined by a formula" in reasons["Sheet1!A6"]
    assert "another workbook" in reasons["Sheet1!A9"]
    assert "Sheet1!A9" in reasons["Sheet1!A10"]
    assert not any(e["error"] == "#NAME?" for e in report.errors)  # type: ignore[attr-defined]


def test_the_command_exits_with_the_partial_status(
    result: tuple[Path, Path, object], tmp_path: Path
) -> None:
    source, _, _ = result
    report_path = tmp_path / "report.json"
    done = run_productive_xl(
        "recalc", str(source), "-o", str(tmp_path / "o.xlsx"), "--report", str(report_path)
    )
    assert done.returncode == EXIT_PARTLY_RECALCULATED
    assert '"complete": false' in report_path.read_text()
    assert "not recalculated: Sheet1!A1" in done.stdout


def test_1904_workbooks_keep_date_formulas_and_read_serials_in_their_system(tmp_path: Path) -> None:
    source = tmp_path / "mac.xlsx"
    book = xlsxwriter.Workbook(str(source), {"date_1904": True})
    sheet = book.add_worksheet("Sheet1")
    sheet.write_number("B1", 44483)  # 15 October 2025 in the 1904 system (45945 - 1462)
    sheet.write_formula("A1", "=YEAR(B1)", None, 2025)
    sheet.write_formula("A2", "=PRODUCTIVE_FY(B1)", None, "")
    sheet.write_formula("A3", '=PRODUCTIVE_IN_YEAR(120000,B1,"2025/26")', None, 0)
    book.close()
    report = recalc(source, tmp_path / "out.xlsx")
    values = openpyxl.load_workbook(tmp_path / "out.xlsx", data_only=True)["Sheet1"]
    assert values["A1"].value == 2025  # kept: the engine counts dates in the 1900 system only
    assert values["A2"].value == "2025/26"
    assert values["A3"].value == pytest.approx(60000)  # October to March, 6 x 10,000
    assert [item["cell"] for item in report.not_recalculated] == ["Sheet1!A1"]


def test_an_ordinary_circular_reference_is_reported_and_keeps_its_values(tmp_path: Path) -> None:
    source = tmp_path / "circle.xlsx"
    book = xlsxwriter.Workbook(str(source))
    sheet = book.add_worksheet("Sheet1")
    sheet.write_formula("A1", "=B1+1", None, 5)
    sheet.write_formula("B1", "=A1*2", None, 8)
    sheet.write_formula("C1", "=A1+100", None, 105)
    sheet.write_formula("D1", "=2+2", None, 0)
    book.close()
    report = recalc(source, tmp_path / "out.xlsx")
    reasons = {item["cell"]: item["reason"] for item in report.not_recalculated}
    assert set(reasons) == {"Sheet1!A1", "Sheet1!B1", "Sheet1!C1"}
    assert reasons["Sheet1!A1"] == "is part of a circular reference"
    assert reasons["Sheet1!B1"] == "is part of a circular reference"
    assert "depends on" in reasons["Sheet1!C1"]
    values = openpyxl.load_workbook(tmp_path / "out.xlsx", data_only=True)["Sheet1"]
    assert [values[c].value for c in ("A1", "B1", "C1", "D1")] == [5, 8, 105, 4]
