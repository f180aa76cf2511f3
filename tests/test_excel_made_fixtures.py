"""Recalc on the 261 workbooks Excel itself saved: nothing but formula values may change, and
the values recalculated must be the ones Excel stored (issue 3, points 3 and 5)."""

from __future__ import annotations

from pathlib import Path

import pytest
from excel_made import PATTERN, excel_made_workbooks
from packages import members

from productive_xl.headless.recalc import recalc
from productive_xl.ooxml.sheet_values import formula_cells

# Cells whose value stored by Excel is not what Excel computes when it recalculates:
# dynamic_array01 asks Excel to recalculate on load (fullCalcOnLoad) and stores 0 for
# AVERAGE(TIMEVALUE({"12:00","12:00"})), which is 0.5; table36's BASE(0,2) returns the text "0",
# stored as the number 0 without t="str".
STORED_WRONG_BY_EXCEL = {
    ("dynamic_array01.xlsx", "Sheet1!A1"): 0.5,
    ("table36.xlsx", "Sheet1!D14"): "0",
}

pytestmark = pytest.mark.excel_made


def test_all_261_are_there(excel_made: Path) -> None:
    assert len(list(excel_made.glob(PATTERN))) == 261


@pytest.mark.parametrize("workbook", excel_made_workbooks())
def test_only_formula_values_change_and_they_are_excels(workbook: Path, tmp_path: Path) -> None:
    out = tmp_path / workbook.name
    report = recalc(workbook, out)
    # a cell is kept only for using what the trusted list lacks (an array formula over several
    # cells, SUBTOTAL...: issue 8), or for being filled by or depending on such a cell; a kept
    # cell keeps Excel's value, which the comparison of changes below holds it to
    for item in report.not_recalculated:
        assert item["reason"].startswith(("uses ", "is filled by ", "depends on ")), item
    before, after = members(workbook), members(out)
    assert list(before) == list(after)
    for name in before:
        if before[name] != after[name]:
            assert name.startswith("xl/worksheets/"), name
    # a recalculated value equal to the stored one leaves the cell alone, so the only changes
    # are where Excel's stored value is not what it computes
    changed = {(workbook.name, item["cell"]): item["new"] for item in report.changed}
    kept = {(workbook.name, item["cell"]) for item in report.not_recalculated}
    assert changed == {
        k: v for k, v in STORED_WRONG_BY_EXCEL.items() if k[0] == workbook.name and k not in kept
    }
    formulas = sum(
        len(formula_cells(xml)) for name, xml in before.items() if name.startswith("xl/worksheets/")
    )
    assert report.formula_cells == formulas
    again = tmp_path / f"again-{workbook.name}"
    recalc(out, again)
    assert again.read_bytes() == out.read_bytes()
