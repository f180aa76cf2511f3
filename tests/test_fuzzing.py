"""Fuzzing (issue 9, point 5): seeded mutations of workbooks Excel saved and of the trackers
new-tracker builds, each run through recalc, refresh or attach. Every case must end in exit 0
or 3 with an output that reads back as a zip, or in exit 4 with exactly one line on standard
error, naming the file, and no file written (tests/outcomes.py).

A few hundred cases run by default (about a minute); set PRODUCTIVE_XL_FUZZ_CASES to a number
of thousands to run the ``slow`` variant with that many:

    PRODUCTIVE_XL_FUZZ_CASES=5000 ./dev test tests/test_fuzzing.py -k many
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from built_trackers import BuiltTrackers
from excel_made import excel_made_folder, excel_made_is_here
from fuzzing import mutate
from outcomes import assert_acceptable, run_in_process

EXCEL_MADE_CASES = 200
TRACKER_CASES = 40
MANY = int(os.environ.get("PRODUCTIVE_XL_FUZZ_CASES") or 0)
COMMANDS = ("recalc", "recalc", "refresh", "attach")  # recalc twice as often as the others


def _excel_made_workbooks() -> list[Path]:
    return sorted(excel_made_folder().glob("*.xls[xm]")) if excel_made_is_here() else []


def _run_case(source: Path, seed: int, folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mutated = folder / f"case-{seed}{source.suffix}"
    what = mutate(source, mutated, seed)
    command = COMMANDS[(seed // 3) % len(COMMANDS)]
    out = folder / (f"out-{seed}.xlsm" if command == "attach" else f"out-{seed}{source.suffix}")
    outcome = run_in_process(capsys, command, str(mutated), "-o", str(out))
    try:
        assert_acceptable(outcome, mutated, out)
    except AssertionError as error:
        raise AssertionError(f"{source.name}, seed {seed} ({what}), {command}: {error}") from None
    for path in (mutated, out):
        path.unlink(missing_ok=True)


@pytest.mark.excel_made
@pytest.mark.parametrize("seed", range(EXCEL_MADE_CASES))
def test_a_mutated_excel_made_workbook(
    excel_made: Path, seed: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workbooks = _excel_made_workbooks()
    _run_case(workbooks[(seed * 7919) % len(workbooks)], seed, tmp_path, capsys)


@pytest.mark.parametrize("seed", range(TRACKER_CASES))
def test_a_mutated_tracker(
    built_trackers: BuiltTrackers, seed: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tracker = built_trackers.template if seed % 2 else built_trackers.example
    _run_case(tracker, 100_000 + seed, tmp_path, capsys)


@pytest.mark.slow
@pytest.mark.excel_made
@pytest.mark.skipif(not MANY, reason="set PRODUCTIVE_XL_FUZZ_CASES to run thousands of cases")
def test_many_mutated_workbooks(
    excel_made: Path,
    built_trackers: BuiltTrackers,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    workbooks = [*_excel_made_workbooks(), built_trackers.template, built_trackers.example]
    for seed in range(1_000_000, 1_000_000 + MANY):
        _run_case(workbooks[seed % len(workbooks)], seed, tmp_path, capsys)
