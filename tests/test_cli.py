"""The command line: the README's example and the function list."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
from example_figures import CASH_RELEASING, IN_YEAR, STATUS

from productive_xl.cli.main import main


def test_example_builds_refreshes_and_shows_the_example_tracker(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    workbook = tmp_path / "example.xlsm"
    assert main(["example", "--workbook", str(workbook)]) == 0
    out = capsys.readouterr().out
    # the totals of the example's lines, worked out by hand in example_figures
    total_line = next(line for line in out.splitlines() if line.lstrip().startswith("Total"))
    in_year = sum(IN_YEAR.values())
    risk_adjusted = sum(value * STATUS[line] for line, value in IN_YEAR.items())
    cash = sum(IN_YEAR[line] for line in CASH_RELEASING)
    for figure in (in_year, risk_adjusted, cash):
        assert f"{figure:,.2f}" in total_line
    assert "Master check: 0 (0 when all is well)" in out
    assert "11 register lines checked for 2025/26: 0 findings." in out
    assert "by productive-xl example" in out
    assert "6 show errors" in out  # the monthly chart's gaps: October to March, not closed
    with zipfile.ZipFile(workbook) as package:
        assert "xl/vbaProject.bin" in package.namelist()


def test_example_functions_recalculates_a_workbook_and_prints_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    workbook = tmp_path / "example.xlsx"
    assert main(["example", "--functions", "--workbook", str(workbook)]) == 0
    out = capsys.readouterr().out
    # DOMAIN.md's worked examples: Band 5 entry hour 25.3839, bank shifts 32,400,
    # in-year with a 3-month ramp 50,000; stock 180,000 -> 46,000 releases 134,000;
    # 273.75 hours (15 min x 3 x 365 / 60) are 0.1763 WTE (/ 1,553); Amber halves 32,400.
    for shown in (
        "25.3839",
        "32,400.00",
        "50,000.00",
        "134,000.00",
        "273.75",
        "0.1763",
        "16,200.00",
        "2025/26",
    ):
        assert shown in out
    assert "=PRODUCTIVE_SAVING(40,28,250,12,0.9)" in out
    assert "11 of 11 formula cells recalculated" in out
    saved = openpyxl.load_workbook(workbook, data_only=True)["Example"]
    assert saved["C8"].value == pytest.approx(32400)  # the bank shifts line, written by recalc


def test_functions_lists_every_function_with_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["functions"]) == 0
    out = capsys.readouterr().out
    assert "PRODUCTIVE_SAVING(baseline, current, unit_value, [periods=1], [confidence=1])" in out
    assert out.count("PRODUCTIVE_") >= 15
    assert main(["functions", "--markdown"]) == 0
    assert "#### `PRODUCTIVE_NPV(values, [rate=0.035])`" in capsys.readouterr().out
