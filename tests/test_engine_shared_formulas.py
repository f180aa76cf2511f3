"""The engine's copy shares formulas filled down a column (to load faster), and a formula is
shared only where the engine, moving the first one down, gives exactly that formula.

The oracle is the engine itself reading every formula written out: the copy with shared
formulas must give every cell the same value as the file as it was.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import ironcalc
import pytest
import xlsxwriter  # type: ignore[import-untyped]
from excel_made import excel_made_workbooks

from productive_xl.headless.shared_formulas import share_filled_formulas

ROWS = 30

# column letter -> formula for row r; whether the column is one run of shared formulas
COLUMNS: dict[str, tuple[str, bool]] = {
    "D": ("=A{r}*2+B{r}", True),
    "E": ("=A{r}+A{n}", True),  # the row below: an offset of 1
    "F": ("=SUM($A$2:A{r})", True),  # a running total: absolute start, relative end
    "G": ('="A{r}"&A{r}', False),  # the row in the text changes, and text does not move
    "H": ("=LOG10(A{r})", True),  # LOG10 is a function, not column LOG row 10
    "I": ("=Q1!A{r}+'Q 2'!B{r}", True),  # sheet names that look like references
    "J": ("=SUM({r}:{r})", False),  # a whole row: left to the engine to parse
    "K": ("=$A$2*2", True),  # no relative row at all
    "L": ("=A{r}*5%+1E2", True),  # a percent and a number in E notation
    "M": ("=A{r}*Rate", True),  # a defined name
    "N": ('=IF(A{r}>2,"high A{r}","low")', False),
    "O": ('=IF(A{r}>2,"high","low")&"x"', True),
}


def _build(path: Path) -> None:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Data")
    for name in ("Q1", "Q 2"):
        other = book.add_worksheet(name)
        for row in range(ROWS + 2):
            other.write_row(row, 0, [row * 3 + 1, row * 5 + 2])
    book.define_name("Rate", "=Data!$C$2")
    for index in range(ROWS + 1):
        r = index + 2
        sheet.write_row(index + 1, 0, [index + 1, index * 2 + 0.5, 1.25])
        for column, (formula, _) in COLUMNS.items():
            sheet.write_formula(f"{column}{r}", formula.format(r=r, n=r + 1), None, 0)
    # a run broken by a gap (P13 empty) and by a different formula (Q10)
    for r in range(2, ROWS + 2):
        if r != 13:
            sheet.write_formula(f"P{r}", f"=B{r}-A{r}", None, 0)
        sheet.write_formula(f"Q{r}", f"=B{r}*3" if r != 10 else "=B10*4", None, 0)
    book.close()


def _engine_values(parts: dict[str, bytes], folder: Path) -> dict[tuple[int, int, int], object]:
    path = folder / f"engine-{len(list(folder.iterdir()))}.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as copy:
        for name, data in parts.items():
            copy.writestr(name, data)
    model = ironcalc.load_from_xlsx(str(path))
    model.evaluate()
    return {
        (sheet, row, column): model.get_cell_value(sheet, row, column)
        for sheet, row, column in model.get_all_cells()
    }


def _read(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _shared_runs(xml: bytes) -> set[str]:
    return {m.decode() for m in re.findall(rb'<f t="shared" ref="([A-Z]+\d+:[A-Z]+\d+)"', xml)}


def test_filled_formulas_are_shared_only_where_the_engine_moves_them_to_the_same(
    tmp_path: Path,
) -> None:
    source = tmp_path / "filled.xlsx"
    _build(source)
    parts = _read(source)
    sheet = "xl/worksheets/sheet1.xml"
    shared = share_filled_formulas(parts[sheet])

    last = ROWS + 2
    expected = {f"{c}2:{c}{last}" for c, (_, one_run) in COLUMNS.items() if one_run}
    expected |= {"P2:P12", f"P14:P{last - 1}", "Q2:Q9", f"Q11:Q{last - 1}"}
    assert _shared_runs(shared) == expected
    # what is not shared is written as it was
    assert b"<f>SUM(2:2)</f>" in shared
    assert b"<f>SUM(3:3)</f>" in shared
    assert b'<f>"A3"&amp;A3</f>' in shared

    before = _engine_values(parts, tmp_path)
    after = _engine_values({**parts, sheet: shared}, tmp_path)
    assert len(before) > ROWS * len(COLUMNS)
    assert after == before
    # and the values are the formulas' own: row 5 of D is A5*2+B5 = 4*2+6.5, E is A5+A6 = 4+5
    assert before[(0, 5, 4)] == 4 * 2 + 6.5
    assert before[(0, 5, 5)] == 4 + 5


def test_a_part_with_shared_formulas_or_written_otherwise_is_left_as_it_is() -> None:
    excel = b'<sheetData><row r="2"><c r="A2"><f t="shared" ref="A2:A3" si="0">B2</f></c>'
    assert share_filled_formulas(excel) is excel
    no_references = b'<sheetData><row r="2"><c><f>B2</f></c></row><row r="3"><c><f>B3</f></c>'
    assert share_filled_formulas(no_references) is no_references


def _shared_parts(parts: dict[str, bytes]) -> dict[str, bytes]:
    return {
        name: share_filled_formulas(data) if name.startswith("xl/worksheets/sheet") else data
        for name, data in parts.items()
    }


def _has_formulas_to_share(path: Path) -> bool:
    return _shared_parts(_read(path)) != _read(path)


# the Excel-made workbooks with formulas that the copy shares (Excel shares most itself)
SHARED_BY_THE_COPY = excel_made_workbooks(_has_formulas_to_share)


@pytest.mark.excel_made
def test_an_excel_made_workbook_has_formulas_to_share(excel_made: Path) -> None:
    assert any(_has_formulas_to_share(path) for path in sorted(excel_made.glob("*.xls[xm]")))


@pytest.mark.excel_made
@pytest.mark.parametrize("fixture", SHARED_BY_THE_COPY)
def test_excel_made_workbooks_mean_the_same_to_the_engine_with_formulas_shared(
    fixture: Path, tmp_path: Path
) -> None:
    parts = _read(fixture)
    shared = _shared_parts(parts)
    assert _engine_values(shared, tmp_path) == _engine_values(parts, tmp_path)
