"""The command line: the README's example and the function list."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from productive_xl.cli import main


def test_example_recalculates_a_workbook_and_prints_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    workbook = tmp_path / "example.xlsx"
    assert main(["example", "--workbook", str(workbook)]) == 0
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
