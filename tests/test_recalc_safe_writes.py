"""Safe writes (issue 3, point 5; issue 9, point 5): a kill of recalc, refresh or attach at any
moment leaves the workbook whole, the original or the finished one, and never locked."""

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
from built_trackers import BuiltTrackers
from tracker_workbook import build_tracker

from productive_xl.headless.recalc import recalc
from productive_xl.ooxml.writer import UnsafeTarget


def _recalc_in_place(workbook: Path) -> subprocess.Popen[bytes]:
    return _command("recalc", str(workbook), "--in-place")


def _command(*arguments: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "productive_xl.cli.main", *arguments],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


# Each command that writes a workbook back, run in place: its arguments given the workbook.
IN_PLACE = {
    "recalc": lambda workbook: ("recalc", str(workbook), "--in-place"),
    "refresh": lambda workbook: ("refresh", str(workbook), "--in-place", "--user", "Kill test"),
    "attach": lambda workbook: ("attach", str(workbook), "-o", str(workbook), "--force"),
}


def _killed(
    process: subprocess.Popen[bytes], workbook: Path, before: bytes, after: bytes | None
) -> str:
    """Kill ``process``; the workbook must be whole: the original or the finished one (any
    whole workbook, when ``after`` is None: a refresh stamps the time it ran)."""
    process.send_signal(signal.SIGKILL)
    process.wait()
    data = workbook.read_bytes()
    if after is not None:
        assert data in (before, after), f"{workbook.name}: a kill left a damaged workbook"
    with zipfile.ZipFile(workbook) as archive:
        assert archive.testzip() is None, f"{workbook.name}: a kill left a damaged workbook"
    for leftover in workbook.parent.glob(f".{workbook.name}.*"):
        os.unlink(leftover)  # a kill can leave the temporary file, never a half workbook
    return "original" if data == before else "finished"


@pytest.mark.slow
def test_a_kill_at_any_moment_leaves_the_workbook_whole(tmp_path: Path) -> None:
    original = tmp_path / "original.xlsx"
    build_tracker(original, 6000)
    finished = tmp_path / "finished.xlsx"
    recalc(original, finished)
    before, after = original.read_bytes(), finished.read_bytes()
    assert before != after

    started = time.perf_counter()
    timing = tmp_path / "timing.xlsx"
    timing.write_bytes(before)
    assert _recalc_in_place(timing).wait() == 0
    assert timing.read_bytes() == after
    duration = time.perf_counter() - started

    # Kills spread over a run: how far each gets depends on the machine's load, and whatever
    # it reached, the workbook must be whole.
    outcomes = []
    for step in range(10):
        workbook = tmp_path / f"kill-{step}.xlsx"
        workbook.write_bytes(before)
        process = _recalc_in_place(workbook)
        time.sleep(duration * step / 10)
        outcomes.append(_killed(process, workbook, before, after))
    assert outcomes[0] == "original"  # killed at once

    # The moment that matters most, whatever the load: while the new file is being written.
    workbook = tmp_path / "kill-while-writing.xlsx"
    workbook.write_bytes(before)
    process = _recalc_in_place(workbook)
    deadline = time.perf_counter() + 20 * duration + 30
    while not list(tmp_path.glob(f".{workbook.name}.*")):
        assert process.poll() is None, "recalc ended before its temporary file was seen"
        assert time.perf_counter() < deadline
        time.sleep(0.001)
    _killed(process, workbook, before, after)


@pytest.mark.slow
@pytest.mark.parametrize("command", ["refresh", "attach"])
def test_a_kill_of_refresh_or_attach_leaves_the_workbook_whole(
    built_trackers: BuiltTrackers, tmp_path: Path, command: str
) -> None:
    if command == "refresh":
        before = built_trackers.example.read_bytes()
    else:  # a team's own workbook, which attach gives the ribbon and VBA it lacks
        team = tmp_path / "team.xlsx"
        build_tracker(team, 2000)
        before = team.read_bytes()
    timing = tmp_path / "timing.xlsm"
    timing.write_bytes(before)
    started = time.perf_counter()
    assert _command(*IN_PLACE[command](timing)).wait() == 0
    duration = time.perf_counter() - started
    after = None if command == "refresh" else timing.read_bytes()
    assert timing.read_bytes() != before

    outcomes = []
    for step in range(8):
        workbook = tmp_path / f"kill-{step}.xlsm"
        workbook.write_bytes(before)
        process = _command(*IN_PLACE[command](workbook))
        time.sleep(duration * step / 8)
        outcomes.append(_killed(process, workbook, before, after))
        # the lock died with the process: the next writer is not kept waiting
        follow = _command(*IN_PLACE[command](workbook))
        assert follow.wait(timeout=20 * duration + 60) == 0
    assert outcomes[0] == "original"


def test_a_failure_while_writing_leaves_the_original(tmp_path: Path) -> None:
    original = tmp_path / "tracker.xlsx"
    build_tracker(original, 50)
    before = original.read_bytes()
    blocker = tmp_path / "out"
    blocker.mkdir()
    (blocker / "x").write_text("a directory stands where the output should go")
    with pytest.raises(UnsafeTarget, match="is a folder"):
        recalc(original, blocker)  # refused before the work: a folder is no file to write
    assert original.read_bytes() == before
    assert not list(tmp_path.glob(".out.*"))  # the temporary file is cleaned up
