"""recalc reads what the Office add-in leaves in a file: Excel stores a call of the add-in's
PRODUCTIVE.SAVING as ``_xldudf_PRODUCTIVE_SAVING(...)`` (headless/productive_calls.py gives the
evidence), and recalc computes it as PRODUCTIVE_SAVING (PRODUCTIVE.FINANCIAL_YEAR as
PRODUCTIVE_FY). Expected values are worked by hand."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from conftest import built_and_recalculated
from openpyxl.workbook.defined_name import DefinedName

from productive_xl.headless.report import RecalcReport

BAND_5_ENTRY_HOUR = 39421.1962 / 1553  # DOMAIN.md F1 worked example


def _build(path: Path) -> None:
    book = openpyxl.Workbook()
    inputs = book.active
    assert inputs is not None
    inputs.title = "Inputs"
    inputs["A1"], inputs["B1"] = "Financial year", "2025/26"
    book.defined_names["FinancialYear"] = DefinedName("FinancialYear", attr_text="Inputs!$B$1")
    web = book.create_sheet("Web")
    web["A1"] = 40
    cells = {
        "B1": "=_xldudf_PRODUCTIVE_SAVING(A1,28,250,12,0.9)",
        "B2": '=ROUND(_xldudf_PRODUCTIVE_HOURLY_COST("Band 5",,"entry"),4)',
        "B3": "=_xldudf_PRODUCTIVE_FINANCIAL_YEAR(DATE(2025,10,15))",
        "B4": "=_xldudf_PRODUCTIVE_WTE(_xldudf_PRODUCTIVE_RELEASED_HOURS(45,30,3),273.75)",
        "B5": '=_xldudf_PRODUCTIVE_HOURLY_COST("Band 10","2025/26")',
        "B6": "=B1+_xldudf_productive_stock_release(180000,46000)",
        "B7": "=PRODUCTIVE_SAVING(40,28,250)+_xldudf_PRODUCTIVE_SAVING(40,28,250)",
        "B8": "=_xldudf_PRODUCTIVE_NPV({100,110,121},0.1)",
        "B9": "=_xldudf_OTHER_ADDIN(A1)",
    }
    for cell, formula in cells.items():
        web[cell] = formula
    book.save(path)


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, RecalcReport]:
    _, out, report = built_and_recalculated(
        tmp_path_factory.mktemp("addin-calls"), "web.xlsx", _build
    )
    return out, report


def test_the_add_ins_calls_are_computed_as_productive_calls(
    recalculated: tuple[Path, RecalcReport],
) -> None:
    out, _ = recalculated
    web = openpyxl.load_workbook(out, data_only=True)["Web"]
    assert web["B1"].value == pytest.approx(32400)  # (40 - 28) x 250 x 12 x 0.9
    assert web["B2"].value == pytest.approx(round(BAND_5_ENTRY_HOUR, 4))  # FinancialYear 2025/26
    assert web["B3"].value == "2025/26"
    assert web["B4"].value == pytest.approx(1)  # (45 - 30) x 3 x 365 / 60 = 273.75 hours
    assert web["B6"].value == pytest.approx(32400 + 134000)
    assert web["B7"].value == pytest.approx(2 * 3000)  # the same function, both spellings
    assert web["B8"].value == pytest.approx(300)  # 100 + 110 / 1.1 + 121 / 1.21


def test_an_add_in_calls_error_is_the_functions_error(
    recalculated: tuple[Path, RecalcReport],
) -> None:
    out, report = recalculated
    web = openpyxl.load_workbook(out, data_only=True)["Web"]
    assert web["B5"].value == "#N/A"
    errors = {e["cell"]: e for e in report.errors}
    assert "band 'Band 10'" in errors["Web!B5"]["message"]


def test_another_add_ins_function_keeps_its_value_and_is_reported(
    recalculated: tuple[Path, RecalcReport],
) -> None:
    out, report = recalculated
    reasons = {item["cell"]: item["reason"] for item in report.not_recalculated}
    assert set(reasons) == {"Web!B9"}
    assert "OTHER_ADDIN" in reasons["Web!B9"]
    formulas = openpyxl.load_workbook(out)["Web"]
    assert formulas["B1"].value == "=_xldudf_PRODUCTIVE_SAVING(A1,28,250,12,0.9)"  # unchanged
