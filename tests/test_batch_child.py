"""A workbook's work in a child forked from its worker: what comes back when it finishes, fails,
hangs, crashes or fills memory (issue 11, points 1 and 2). Real processes, really killed."""

from __future__ import annotations

import io
import os
import time

import pytest

from productive_xl.batch.child import run_in_child
from productive_xl.batch.outcome import FileOutcome
from productive_xl.batch.progress import BatchProgress


def test_the_value_comes_back_with_the_peak_memory_of_the_child() -> None:
    result = run_in_child(lambda: {"answer": 6 * 7}, timeout=30, memory_limit_mib=None)
    assert result.failure is None
    assert result.value == {"answer": 42}
    assert result.peak_mib > 1


def test_a_hang_is_stopped_at_the_time_limit() -> None:
    started = time.monotonic()
    result = run_in_child(lambda: time.sleep(60), timeout=0.5, memory_limit_mib=None)
    assert time.monotonic() - started < 5
    assert result.failure == "timed out"
    assert result.message == "not finished within the time limit (0.5 s): stopped"


def test_a_child_that_fills_memory_is_stopped_at_the_ceiling() -> None:
    def hog() -> None:
        block = bytearray(400 * 2**20)  # 400 MiB, touched
        time.sleep(30)
        del block

    result = run_in_child(hog, timeout=60, memory_limit_mib=200)
    assert result.failure == "over memory limit"
    assert result.message == "used more than 200 MiB of memory: stopped"


def test_a_crash_is_told_with_its_last_words(capfd: pytest.CaptureFixture[str]) -> None:
    def crash() -> None:
        os.write(2, b"a line of the engine for each formula\n")
        os.write(2, b"thread '<unnamed>' panicked at src/model.rs:1:1\n")
        os._exit(101)

    result = run_in_child(crash, timeout=30, memory_limit_mib=None)
    assert result.failure == "crashed"
    assert result.message == (
        "its process ended with status 101: thread '<unnamed>' panicked at src/model.rs:1:1"
    )
    assert "panicked" not in capfd.readouterr().err  # kept out of the batch's own output


def test_a_child_killed_by_a_signal_and_an_exception_of_ours() -> None:
    result = run_in_child(os.abort, timeout=30, memory_limit_mib=None)
    assert result.failure == "crashed"
    assert result.message.startswith("its process was killed by signal 6")

    def fault() -> None:
        raise KeyError("Register")

    result = run_in_child(fault, timeout=30, memory_limit_mib=None)
    assert (result.failure, result.message) == (
        "crashed",
        "a fault of productive_xl: KeyError: 'Register'",
    )


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_bar_counts_files_and_tells_the_time_left() -> None:
    terminal = _Terminal()
    progress = BatchProgress(total=4, total_bytes=400, stream=terminal)
    progress.started -= 30  # as if the first file took 30 s
    progress.file_done(FileOutcome("a.xlsx", "in/a.xlsx", "", "recalculated"), size=100)
    line = terminal.getvalue().strip("\r").strip()
    # a quarter of the bytes in 30 s: the other three quarters in about 90 s
    assert line.startswith(
        "batch [#####...............] 1/4 files, 30 s gone, about 1 min 30 s left"
    )
