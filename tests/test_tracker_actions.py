"""The ribbon's other actions on a real tracker file, and the ribbon module itself on Linux."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import openpyxl
import pytest
from ribbon_expected import PYTHON_FUNCTIONS
from tracker_factory import build_tracker

from productive_xl.tracker.actions import add_benefit_line, next_line_id, update_rates_for_year
from productive_xl.tracker.file_book import FileBook
from productive_xl.tracker.input_checks import check_inputs
from productive_xl.tracker.layout import RIBBON_MODULE
from productive_xl.tracker.register import benefit_line

RIBBON_FUNCTIONS = sorted(PYTHON_FUNCTIONS)  # the ribbon's Python entry points


def test_the_ribbon_module_imports_on_linux_with_six_entry_points() -> None:
    ribbon = importlib.import_module(RIBBON_MODULE)
    for name in RIBBON_FUNCTIONS:
        function = getattr(ribbon, name)
        assert callable(function)
        assert inspect.signature(function).parameters == {}, name  # RunPython passes nothing
        assert function.__doc__, name
    importlib.import_module("productive_xl.excel.live_book")


def _lines(*ids: str) -> list:  # type: ignore[type-arg]
    return [benefit_line(4 + i, {"ID": ident, "Programme": "P"}) for i, ident in enumerate(ids)]


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        ((), "1"),
        (("7", "8"), "9"),
        (("PW-009",), "PW-010"),
        (("PW-099", "PW-004"), "PW-100"),  # after the highest, whatever the order
        (("X1", "PW-01"), "PW-02"),  # the last line's prefix, its width kept
    ],
)
def test_next_line_id(ids: tuple[str, ...], expected: str) -> None:
    assert next_line_id(_lines(*ids)) == expected


def test_add_benefit_line_grows_the_register_with_its_formulas(tmp_path: Path) -> None:
    source = tmp_path / "tracker.xlsx"
    build_tracker(source)
    book = FileBook(source)
    # IDs of Productive Ward lines: PW-001, PW-002, PW-002, PW-004: the next is PW-005
    line = add_benefit_line(book, "Productive Ward")
    assert (line.row, line.id) == (9, "PW-005")
    out = tmp_path / "added.xlsx"
    book.save(out)
    register = openpyxl.load_workbook(out)["Register"]
    assert register.tables["tblBenefits"].ref == "A3:S9"
    assert register["A9"].value == "PW-005"
    assert register["B9"].value == "Productive Ward"
    assert register["R9"].value == "=PRODUCTIVE_FY(tblBenefits[[#This Row],[Start date]])"
    assert register["C9"].value is None  # the rest is for the user to fill in
    # the Status dropdown reaches the new line, as in Excel
    assert [str(v.sqref) for v in register.data_validations.dataValidation] == ["O4:O9"]
    # without a programme, the last line's: PT-001 (Productive Operating Theatre) -> PT-002
    assert add_benefit_line(FileBook(source)).id == "PT-002"


def test_update_rates_writes_the_years_pay_points(tmp_path: Path) -> None:
    source = tmp_path / "tracker.xlsx"
    build_tracker(source)
    book = FileBook(source)
    update = update_rates_for_year(book)
    assert update.updated
    out = tmp_path / "rates.xlsx"
    book.save(out)
    inputs = openpyxl.load_workbook(out)["Inputs"]
    assert inputs.tables["tblRates"].ref == "A17:E28"  # 11 bands, Band 2 to Band 9
    rows = {row[0]: row[1:4] for row in inputs.iter_rows(min_row=18, max_row=28, values_only=True)}
    # DOMAIN.md, AfC 2025/26: Band 5 31,049 / 33,487 / 37,796 replaces the stale 30,000 ...
    assert rows["Band 5"] == (31049, 33487, 37796)
    assert rows["Band 2"] == (24465, 24465, 24465)  # a single pay point
    assert rows["Band 3"] == (24937, (24937 + 26598) / 2, 26598)  # two: mid is their mean
    assert rows["Band 9"] == (109179, 115763, 125637)
    assert inputs["E28"].value == (
        '=PRODUCTIVE_HOURLY_COST(tblRates[[#This Row],[Band]],FinancialYear,"mid")'
    )


def test_update_rates_skips_a_year_with_no_rates(tmp_path: Path) -> None:
    source = tmp_path / "tracker.xlsx"
    build_tracker(source)
    workbook = openpyxl.load_workbook(source)
    workbook["Inputs"]["B2"] = "2026/27"
    workbook.save(source)
    book = FileBook(source)
    update = update_rates_for_year(book)
    assert not update.updated
    assert "No Agenda for Change pay rates are held for 2026/27 (held: 2025/26)" in update.message
    assert book.changed_parts() == {}


def test_check_inputs_names_each_bad_cell(tmp_path: Path) -> None:
    source = tmp_path / "tracker.xlsx"
    build_tracker(source)
    assert check_inputs(FileBook(source)) == []
    workbook = openpyxl.load_workbook(source)
    inputs = workbook["Inputs"]
    inputs["B2"] = "2025"  # not a year label
    inputs["B5"] = None  # productive hours left blank
    inputs["B6"] = 3.5  # the PDC rate typed as a percentage, in a "fraction" row
    inputs["B13"] = 5  # Amber's weight
    inputs["C18"] = "n/a"  # Band 5's mid point
    workbook.save(source)
    found = [str(finding) for finding in check_inputs(FileBook(source))]
    assert found == [
        "FinancialYear: FinancialYear '2025' is not a financial year label like 2025/26",
        "Inputs!B5: Productive hours: is blank",
        "Inputs!B6: PDC dividend rate: 3.5 is above 1",
        "Inputs!B13: weight of status Amber: 5 is above 1",
        "Inputs!C18: Band 5 mid pay point: 'n/a' is not a number",
    ]
