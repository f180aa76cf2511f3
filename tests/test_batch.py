"""`productive-xl batch` on one machine: outputs, reports, summaries, bad and hanging files,
resuming, --retry-failed and --in-place (issue 11, point 1)."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import openpyxl
import pytest
from batch_workbooks import saving_book, slow_book, value_in
from built_trackers import BuiltTrackers
from command_line import run_productive_xl

from productive_xl.batch.run import BatchOptions, run_batch

EXIT_PARTLY, EXIT_UNUSABLE, EXIT_WORKER_FAILED = 3, 4, 6


def _summary(out: Path) -> dict[str, dict[str, str]]:
    with (out / "summary.csv").open(encoding="utf-8", newline="") as file:
        return {row["file"]: row for row in csv.DictReader(file)}


def _leftovers(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.name.endswith(".tmp")]


@pytest.fixture
def mixed_folder(tmp_path: Path) -> Path:
    """Two good workbooks (one in a subfolder), one that is no workbook, one that hangs."""
    folder = tmp_path / "trackers"
    saving_book(folder / "ward-a.xlsx")
    saving_book(folder / "trust-b" / "ward-b.xlsx", baseline=50, rows=3)
    (folder / "broken.xlsx").write_bytes(b"PK\x03\x04 not a zip after all")
    slow_book(folder / "hangs.xlsx")
    (folder / "notes.txt").write_text("not a workbook, not taken")
    return folder


def test_a_batch_does_every_file_and_one_bad_or_hanging_file_stops_nothing(
    mixed_folder: Path, tmp_path: Path
) -> None:
    before = {path: path.read_bytes() for path in mixed_folder.rglob("*") if path.is_file()}
    out = tmp_path / "out"
    done = run_productive_xl(
        "batch", "recalc", str(mixed_folder), "--out", str(out), "--jobs", "2", "--timeout", "2"
    )
    assert done.returncode == EXIT_WORKER_FAILED, done.stderr
    # by hand: (40 - 28) x 250 x 12 x 0.9, and (50 - 28) x 250 x 12 x 0.9 on each of 3 lines
    assert value_in(out / "ward-a.xlsx", "D1") == 32400
    assert value_in(out / "trust-b" / "ward-b.xlsx", "F1") == 3 * 59400
    report = json.loads((out / "trust-b" / "ward-b.xlsx.report.json").read_text())
    assert report["recalculated"] == 4
    assert report["complete"] is True
    # the report `productive-xl recalc --report` writes for the same workbook, but for where
    one = run_productive_xl(
        "recalc", str(mixed_folder / "trust-b" / "ward-b.xlsx"),
        "-o", str(tmp_path / "one.xlsx"), "--report", str(tmp_path / "one.json"),
    )  # fmt: skip
    assert one.returncode == 0
    alone = json.loads((tmp_path / "one.json").read_text())
    assert alone["output"] == str(tmp_path / "one.xlsx")
    assert report["output"] == str(out / "trust-b" / "ward-b.xlsx")
    assert {**alone, "output": None} == {**report, "output": None}

    rows = _summary(out)
    assert set(rows) == {"ward-a.xlsx", "trust-b/ward-b.xlsx", "broken.xlsx", "hangs.xlsx"}
    assert rows["trust-b/ward-b.xlsx"]["status"] == "recalculated"
    assert rows["trust-b/ward-b.xlsx"]["recalculated"] == "4"
    assert rows["trust-b/ward-b.xlsx"]["kept"] == "0"
    assert rows["broken.xlsx"]["status"] == "unusable"
    assert rows["broken.xlsx"]["exit"] == str(EXIT_UNUSABLE)
    assert "zip" in rows["broken.xlsx"]["message"]
    assert rows["hangs.xlsx"]["status"] == "timed out"
    assert rows["hangs.xlsx"]["exit"] == str(EXIT_WORKER_FAILED)
    assert "time limit (2 s)" in rows["hangs.xlsx"]["message"]
    assert float(rows["hangs.xlsx"]["seconds"]) < 4.5  # the engine alone takes about 5 s
    digest = hashlib.sha256((mixed_folder / "ward-a.xlsx").read_bytes()).hexdigest()
    assert rows["ward-a.xlsx"]["sha256"] == digest
    # only what was done is written; nothing half-written is left; no input changed
    assert not (out / "hangs.xlsx").exists()
    assert not (out / "broken.xlsx").exists()
    assert not _leftovers(out)
    assert {path: path.read_bytes() for path in before} == before
    summary = json.loads((out / "summary.json").read_text())
    assert summary["exit"] == EXIT_WORKER_FAILED
    assert len(summary["files"]) == 4
    # not a terminal: one line per file
    per_file = [line for line in done.stderr.splitlines() if line.startswith("[")]
    assert len(per_file) == 4, done.stderr
    assert "hangs.xlsx: timed out" in done.stdout


def test_a_rerun_does_only_what_is_new_or_changed(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    first = saving_book(folder / "first.xlsx")
    second = saving_book(folder / "second.xlsx")
    out = tmp_path / "out"
    options = BatchOptions("recalc", [str(folder)], out, jobs=2, timeout=60)
    assert run_batch(options).done_now == 2
    records = out / ".productive-xl-batch"
    stamps = {path.name: path.read_bytes() for path in records.iterdir()}

    again = run_batch(options)
    assert again.done_now == 0
    assert again.exit_status == 0
    assert {row.file for row in again.outcomes} == {"first.xlsx", "second.xlsx"}
    assert {path.name: path.read_bytes() for path in records.iterdir()} == stamps

    saving_book(first, baseline=50)  # changed: done again, with its new value
    (out / "second.xlsx").unlink()  # its output gone: done again
    saving_book(folder / "third.xlsx")  # new
    third = run_batch(options)
    assert sorted(o.file for o in third.outcomes[-third.done_now :]) == [
        "first.xlsx",
        "second.xlsx",
        "third.xlsx",
    ]
    assert value_in(out / "first.xlsx", "D1") == 59400
    assert value_in(out / "second.xlsx", "D1") == 32400
    assert second.exists()
    assert len(_summary(out)) == 3


def test_retry_failed_takes_only_the_failures(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    saving_book(folder / "good.xlsx")
    out = tmp_path / "out"
    assert run_batch(BatchOptions("recalc", [str(folder)], out, timeout=60)).exit_status == 0
    slow_book(folder / "slow.xlsx", formulas=200)  # about 1 s in the engine
    first = run_batch(BatchOptions("recalc", [str(folder)], out, jobs=2, timeout=0.2))
    assert {o.file: o.status for o in first.outcomes} == {
        "good.xlsx": "recalculated",
        "slow.xlsx": "timed out",
    }
    assert first.done_now == 1
    assert first.exit_status == EXIT_WORKER_FAILED
    # an ordinary rerun does not take the failure again on the same input
    assert run_batch(BatchOptions("recalc", [str(folder)], out, timeout=0.2)).done_now == 0

    saving_book(folder / "new.xlsx")
    retried = run_batch(
        BatchOptions("recalc", [str(folder)], out, jobs=2, timeout=120, retry_failed=True)
    )
    assert retried.done_now == 1
    statuses = {o.file: o.status for o in retried.outcomes}
    assert statuses == {
        "good.xlsx": "recalculated",
        "slow.xlsx": "recalculated",
        "new.xlsx": "not run",
    }
    assert retried.exit_status == 0
    # C1 is SUMPRODUCT(A1:A20000*B1:B20000)+1, with row r holding r and r mod 7
    total = sum(row * (row % 7) for row in range(1, 20_001))
    assert value_in(out / "slow.xlsx", "C1", "Data") == total + 1


def test_in_place_rewrites_the_inputs_and_keeps_reports_in_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    book = saving_book(folder / "ward.xlsx")
    out = tmp_path / "reports"
    result = run_batch(BatchOptions("recalc", [str(folder)], out, timeout=60, in_place=True))
    assert result.exit_status == 0
    assert value_in(book, "D1") == 32400
    assert not (out / "ward.xlsx").exists()
    assert (out / "ward.xlsx.report.json").exists()
    # the input is now its own output: a rerun has nothing to do
    assert run_batch(BatchOptions("recalc", [str(folder)], out, in_place=True)).done_now == 0


def test_refresh_in_a_batch(tmp_path: Path, built_trackers: BuiltTrackers) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "trust.xlsm").write_bytes(built_trackers.example.read_bytes())
    saving_book(folder / "not-a-tracker.xlsx")
    out = tmp_path / "out"
    result = run_batch(BatchOptions("refresh", [str(folder)], out, jobs=2, user="Night job"))
    outcomes = {o.file: o for o in result.outcomes}
    assert outcomes["trust.xlsm"].status == "recalculated"
    assert outcomes["trust.xlsm"].findings == 0  # the example trust's register is clean
    assert outcomes["not-a-tracker.xlsx"].status == "unusable"
    assert "not a tracker" in outcomes["not-a-tracker.xlsx"].message
    assert result.exit_status == EXIT_UNUSABLE
    book = openpyxl.load_workbook(out / "trust.xlsm", data_only=True, read_only=True)
    try:
        sheet, cell = next(iter(book.defined_names["RefreshedBy"].destinations))
        assert book[sheet][cell.replace("$", "")].value == "Night job"
        sheet, cell = next(iter(book.defined_names["MasterCheck"].destinations))
        assert book[sheet][cell.replace("$", "")].value == 0
    finally:
        book.close()


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        (["missing-folder"], "missing-folder: no such file or folder"),
        (
            ["a/book.xlsx", "b/book.xlsx"],
            "a/book.xlsx and b/book.xlsx would both be written as book.xlsx: give their "
            "folders instead, or run them as two batches",
        ),
    ],
)
def test_bad_inputs_are_one_line_and_exit_2(
    tmp_path: Path, inputs: list[str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    saving_book(tmp_path / "a" / "book.xlsx")
    saving_book(tmp_path / "b" / "book.xlsx")
    done = run_productive_xl("batch", "recalc", *inputs, "--out", "out")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [f"productive-xl batch: {message}"]
    assert not (tmp_path / "out").exists()


def test_globs_and_the_output_folder_inside_the_input(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    saving_book(folder / "trust-a" / "tracker.xlsx")
    saving_book(folder / "trust-b" / "tracker.xlsx")
    saving_book(folder / "trust-b" / "other.xlsx")
    out = folder / "recalculated"
    first = run_batch(BatchOptions("recalc", [str(folder / "*" / "tracker.xlsx")], out))
    assert sorted(o.file for o in first.outcomes) == [
        "trust-a/tracker.xlsx",
        "trust-b/tracker.xlsx",
    ]
    # the folder holds the outputs now: taken as inputs they would be done again every night
    second = run_batch(BatchOptions("recalc", [str(folder)], out))
    assert sorted(o.file for o in second.outcomes) == [
        "trust-a/tracker.xlsx",
        "trust-b/other.xlsx",
        "trust-b/tracker.xlsx",
    ]


def test_workers_are_replaced_after_the_workbooks_they_may_serve(tmp_path: Path) -> None:
    # Python 3.11's own max_tasks_per_child would hang here once the worker reached its limit
    # with workbooks still queued (CPython gh-115634)
    for number in range(5):
        saving_book(tmp_path / "in" / f"ward-{number}.xlsx", baseline=40 + number)
    options = BatchOptions("recalc", [str(tmp_path / "in")], tmp_path / "out", recycle_after=2)
    result = run_batch(options)
    assert result.exit_status == 0
    assert len({outcome.worker for outcome in result.outcomes}) == 3  # 2 + 2 + 1 workbooks
    for number in range(5):  # (40 + n - 28) x 250 x 12 x 0.9
        assert value_in(tmp_path / "out" / f"ward-{number}.xlsx", "D1") == (12 + number) * 2700
