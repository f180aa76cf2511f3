"""Safe writes (issue 3, point 5): a kill at any moment leaves the original intact."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from tracker_workbook import build_tracker

from productive_xl.headless.recalc import recalc


@pytest.mark.slow
def test_a_kill_at_any_moment_leaves_the_workbook_whole(tmp_path: Path) -> None:
    original = tmp_path / "original.xlsx"
    build_tracker(original, 6000)
    finished = tmp_path / "finished.xlsx"
    recalc(original, finished)
    before, after = original.read_bytes(), finished.read_bytes()
    assert before != after

    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "productive_xl.cli",
            "recalc",
            str(original),
            "-o",
            str(tmp_path / "timing.xlsx"),
        ],
        check=True,
        capture_output=True,
    )
    duration = time.perf_counter() - started

    outcomes = set()
    # from at once to well after it would have finished (twice the time: other work on the
    # machine can slow one run more than another)
    for step in [*range(11), 15, 20]:
        workbook = tmp_path / f"kill-{step}.xlsx"
        workbook.write_bytes(before)
        process = subprocess.Popen(
            [sys.executable, "-m", "productive_xl.cli", "recalc", str(workbook), "--in-place"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(duration * step / 10)
        process.send_signal(signal.SIGKILL)
        process.wait()
        data = workbook.read_bytes()
        assert data in (before, after), f"killed at {step}/10 of a run: the workbook is damaged"
        with zipfile.ZipFile(workbook) as archive:
            assert archive.testzip() is None
        outcomes.add("original" if data == before else "recalculated")
        for leftover in tmp_path.glob(f".{workbook.name}.*"):
            os.unlink(leftover)  # a kill can leave the temporary file, never a half workbook
    assert outcomes == {"original", "recalculated"}  # kills landed both before and after the move


def test_a_failure_while_writing_leaves_the_original(tmp_path: Path) -> None:
    original = tmp_path / "tracker.xlsx"
    build_tracker(original, 50)
    before = original.read_bytes()
    blocker = tmp_path / "out"
    blocker.mkdir()
    (blocker / "x").write_text("a directory stands where the output should go")
    with pytest.raises(IsADirectoryError):
        recalc(original, blocker)  # the move onto a non-empty directory fails
    assert original.read_bytes() == before
    assert not list(tmp_path.glob(".out.*"))  # the temporary file is cleaned up
