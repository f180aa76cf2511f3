"""No lost update (issue 9, point 3): writers of one workbook take turns, a writer never
writes over a file changed since it read it, and --in-place keeps symbolic and hard links."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest
from built_trackers import BuiltTrackers

from productive_xl.cli.main import EXIT_BAD_ARGUMENTS, main
from productive_xl.headless.recalc import recalc
from productive_xl.ooxml.file_guard import ChangedMeanwhile, guarded


def _book(path: Path, value: int) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"] = value
    sheet["B1"] = "=A1*2"
    book.save(path)
    return path


def _value(path: Path, cell: str) -> object:
    return openpyxl.load_workbook(path, data_only=True).active[cell].value  # type: ignore[index]


def _command(*arguments: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "productive_xl.cli.main", *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_writer_waits_for_the_lock_and_then_reads_the_new_file(tmp_path: Path) -> None:
    workbook = _book(tmp_path / "book.xlsx", 1)
    replacement = _book(tmp_path / "replacement.xlsx", 21)
    with guarded(workbook):
        process = _command("recalc", str(workbook), "--in-place")
        time.sleep(3)  # ample time to finish, were it not waiting
        assert process.poll() is None, "recalc did not wait for the lock"
        os.replace(replacement, workbook)  # what another writer holding the lock does
    assert process.wait(timeout=120) == 0, process.stderr.read() if process.stderr else ""
    assert _value(workbook, "A1") == 21
    assert _value(workbook, "B1") == 42  # recalculated from what the other writer wrote


def test_a_file_changed_meanwhile_is_not_written_over(tmp_path: Path) -> None:
    workbook = _book(tmp_path / "book.xlsx", 1)
    theirs = _book(tmp_path / "theirs.xlsx", 5).read_bytes()

    def another_program_writes(step: str) -> None:
        # a program that takes no lock (Excel on a shared folder) saves while recalc works
        if step.startswith("reading"):
            workbook.write_bytes(theirs)

    with pytest.raises(ChangedMeanwhile, match="changed while productive-xl was working"):
        recalc(workbook, None, another_program_writes)
    assert workbook.read_bytes() == theirs  # their save is kept
    assert not list(tmp_path.glob(".book.xlsx.*"))


def test_a_refresh_then_a_recalc_at_once_keep_the_refresh(
    built_trackers: BuiltTrackers, tmp_path: Path
) -> None:
    """The issue's race: the recalc started just after the refresh must not write back what it
    read before the refresh was written."""
    tracker = tmp_path / "tracker.xlsm"
    shutil.copyfile(built_trackers.example, tracker)
    refresh = _command("refresh", str(tracker), "--in-place", "--user", "Race test")
    time.sleep(0.3)
    recalculate = _command("recalc", str(tracker), "--in-place")
    assert refresh.wait(timeout=300) == 0
    assert recalculate.wait(timeout=300) == 0
    stamped = openpyxl.load_workbook(tracker, data_only=True)
    assert "Race test" in [
        cell.value for row in stamped["About"].iter_rows() for cell in row if cell.value
    ]


def test_in_place_on_a_link_writes_through_to_the_workbook(tmp_path: Path) -> None:
    workbook = _book(tmp_path / "book.xlsx", 4)
    link = tmp_path / "link.xlsx"
    link.symlink_to(workbook.name)
    assert main(["recalc", str(link), "--in-place"]) == 0
    assert link.is_symlink()
    assert _value(workbook, "B1") == 8


def test_in_place_on_a_file_with_hard_links_is_refused(tmp_path: Path) -> None:
    workbook = _book(tmp_path / "book.xlsx", 4)
    other = tmp_path / "other name.xlsx"
    os.link(workbook, other)
    before = workbook.read_bytes()
    assert main(["recalc", str(other), "--in-place"]) == EXIT_BAD_ARGUMENTS
    assert main(["recalc", str(workbook), "-o", str(other)]) == EXIT_BAD_ARGUMENTS
    assert workbook.read_bytes() == before
    assert os.stat(workbook).st_nlink == 2  # still one file under two names
