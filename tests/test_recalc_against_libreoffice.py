"""Cross-checked against real readers (issue 3, point 7): productive_xl and LibreOffice headless
recalculate the same workbook of ordinary functions and agree on every formula cell; openpyxl
and python-calamine read what productive_xl wrote; LibreOffice opens the written file."""

from __future__ import annotations

import datetime
import math
from pathlib import Path

import openpyxl
import pytest
from conftest import built_and_recalculated
from libreoffice import formula_values, recalculate_with_libreoffice
from openpyxl.utils.datetime import to_excel
from python_calamine import CalamineWorkbook

pytestmark = [pytest.mark.libreoffice, pytest.mark.slow]

FORMULAS = [
    "=SUM(B2:B11)",
    "=AVERAGE(B2:B11)",
    "=MIN(B2:B11)",
    "=MAX(C2:C11)",
    "=COUNT(A2:C11)",
    "=COUNTA(A2:A11)",
    '=COUNTIF(A2:A11,"Ward*")',
    '=COUNTIFS(A2:A11,"Ward*",B2:B11,">100")',
    '=SUMIF(A2:A11,"Theatre",B2:B11)',
    '=SUMIFS(B2:B11,A2:A11,"Ward*",C2:C11,">0.3")',
    '=AVERAGEIF(B2:B11,">200")',
    "=SUMPRODUCT(B2:B11,C2:C11)",
    "=ROUND(B3*C3,2)",
    "=ROUNDUP(B4/7,1)",
    "=ROUNDDOWN(B5/7,3)",
    "=INT(-B6/7)",
    "=MOD(B7,7)",
    "=ABS(-B8)",
    "=SQRT(B9)",
    "=POWER(C2,3)",
    "=EXP(C3)",
    "=LN(B2)",
    "=LOG10(B10)",
    '=IF(B2>100,"high","low")',
    "=AND(B2>10,C2<1)",
    "=OR(B2>1000,C2>0.9)",
    "=NOT(B2>1000)",
    "=IFERROR(B2/0,-1)",
    "=IFERROR(NA(),-2)",
    "=ISNUMBER(A2)",
    "=ISTEXT(A2)",
    "=ISBLANK(A20)",
    "=ISERROR(1/0)",
    "=INDEX(B2:B11,4)",
    '=MATCH("Theatre",A2:A11,0)',
    '=VLOOKUP("Ward 3",A2:C11,2,FALSE)',
    "=HLOOKUP(2,B1:C11,3,FALSE)",
    '=CHOOSE(3,"a","b","c")',
    "=LEFT(A2,4)",
    "=RIGHT(A2,1)",
    "=MID(A5,2,3)",
    "=LEN(A6)",
    "=UPPER(A2)",
    "=LOWER(A3)",
    '=PROPER("productive ward")',
    '=TRIM("  released   time ")',
    '=SUBSTITUTE(A2,"Ward","Unit")',
    '=CONCATENATE(A2," - ",B2)',
    '=A3&"/"&B3',
    '=VALUE("123.5")',
    "=DATE(2025,10,15)",
    "=YEAR(D2)",
    "=MONTH(D3)",
    "=DAY(D4)",
    "=EDATE(D2,6)",
    "=EOMONTH(D2,1)",
    "=WEEKDAY(D5)",
    "=NETWORKDAYS(D2,D6)",
    "=D6-D2",
    "=PMT(0.035/12,60,-100000)",
    "=FV(0.035,5,-1000)",
    "=PV(0.035,10,-5000)",
    "=NPV(0.035,B2:B6)",
    "=IRR({-1000,300,400,500})",
    "=MEDIAN(B2:B11)",
    "=STDEV(B2:B11)",
    "=LARGE(B2:B11,2)",
    "=SMALL(C2:C11,3)",
    "=ROWS(A2:C11)",
    "=COLUMNS(A2:C11)",
    "=SIGN(-3)",
    "=CEILING(B2,5)",
    "=FLOOR(B3,5)",
    '=_xlfn.TEXTJOIN(",",TRUE,A2:A4)',
    '=_xlfn.MAXIFS(B2:B11,A2:A11,"Ward*")',
    '=_xlfn.IFS(B2>1000,"a",B2>100,"b",TRUE,"c")',
    "=_xlfn.XOR(TRUE,FALSE)",
    "=1/0",
    "=NA()",
    "=SUM(Other!A1:A3)*2",
    "=Other!B1",
    "=TRUE",
    '=""',
    "=ROUND(1.005,2)",
    "=0.1+0.2",
    "=2^0.5",
]


def _build(path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Data"
    sheet.append(["Line", 1, 2, "Start"])
    places = [
        "Ward 1",
        "Ward 2",
        "Theatre",
        "Ward 3",
        "Stores",
        "Ward 4",
        "Theatre",
        "Clinic",
        "Ward 5",
        "Pharmacy",
    ]
    for i, place in enumerate(places):
        sheet.append(
            [
                place,
                37.5 * (i + 1) + i * i,
                round(0.07 * (i + 1), 2),
                datetime.date(2025, 4, 1) + datetime.timedelta(days=37 * i),
            ]
        )
    for i, formula in enumerate(FORMULAS, start=2):
        sheet.cell(row=i, column=6, value=formula)
    other = book.create_sheet("Other")
    other.append([10, "=A1*3"])
    other.append([20])
    other.append([30])
    book.save(path)


def _same(ours: object, theirs: object) -> bool:
    # LibreOffice gives DATE() results a date format, so openpyxl reads them as dates
    ours, theirs = (to_excel(v) if isinstance(v, datetime.datetime) else v for v in (ours, theirs))
    if isinstance(ours, bool) or isinstance(theirs, bool):
        return ours == theirs
    if isinstance(ours, (int, float)) and isinstance(theirs, (int, float)):
        return math.isclose(ours, theirs, rel_tol=1e-9, abs_tol=1e-9)
    return ours == theirs or (ours in ("", None) and theirs in ("", None))


KEPT: set[tuple[str, str]] = set()  # cells kept as they were (issue 8)


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    source, ours, report = built_and_recalculated(
        tmp_path_factory.mktemp("crosscheck"), "ordinary.xlsx", _build
    )
    # issue 8: a cell using what the trusted list lacks (AVERAGE, TEXT...: the table shows
    # them disagreeing with Excel) keeps its stored value (none here) and is reported
    for item in report.not_recalculated:
        assert item["reason"].startswith(("uses ", "is filled by ", "depends on ")), item
        sheet, _, cell = item["cell"].rpartition("!")
        KEPT.add((sheet, cell))
    return source, ours


def test_every_formula_cell_agrees_with_libreoffice(recalculated: tuple[Path, Path]) -> None:
    source, ours = recalculated
    theirs = source.with_name("libreoffice.xlsx")
    recalculate_with_libreoffice(source, theirs)
    mine, reference = formula_values(ours), formula_values(theirs)
    assert set(mine) == set(reference)
    assert len(mine) == len(FORMULAS) + 1
    differing = {
        cell: (mine[cell], reference[cell])
        for cell in mine
        if cell not in KEPT and not _same(mine[cell], reference[cell])
    }
    assert differing == {}
    assert len(KEPT) < len(mine) // 2  # most are recalculated, and agree


def test_openpyxl_and_calamine_read_the_written_values(recalculated: tuple[Path, Path]) -> None:
    _, ours = recalculated
    values = openpyxl.load_workbook(ours, data_only=True)["Data"]
    rows = CalamineWorkbook.from_path(str(ours)).get_sheet_by_name("Data").to_python()
    assert values["F2"].value == pytest.approx(sum(37.5 * (i + 1) + i * i for i in range(10)))
    assert rows[1][5] == pytest.approx(values["F2"].value)
    assert values.cell(row=FORMULAS.index("=ROUND(1.005,2)") + 2, column=6).value == 1.01
    for row in range(2, len(FORMULAS) + 2):
        kept = ("Data", f"F{row}") in KEPT
        assert (
            values.cell(row=row, column=6).value is not None or kept or FORMULAS[row - 2] == '=""'
        )


def test_libreoffice_opens_the_written_file(recalculated: tuple[Path, Path]) -> None:
    _, ours = recalculated
    reopened = ours.with_name("reopened.xlsx")
    recalculate_with_libreoffice(ours, reopened)  # raises if LibreOffice cannot load it
    assert formula_values(reopened).keys() == formula_values(ours).keys()
