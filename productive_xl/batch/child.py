"""One piece of work in a child forked from this (warm) process, stopped when it runs past its
time limit or its memory ceiling.

The engine holds the interpreter while it evaluates, so nothing in the process doing the work
could stop it: the work runs in a forked child, which starts at once with everything this
process has imported, and is killed from here. Whatever the child does (hangs, is killed, dies
of a crash in the engine, fills memory) this process carries on with the next file.
"""

from __future__ import annotations

import contextlib
import ctypes
import faulthandler
import os
import pickle
import select
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

_PR_SET_PDEATHSIG = 1  # linux/prctl.h
_POLL_SECONDS = 0.1  # how often the memory of a running child is looked at


@dataclass
class ChildResult:
    """What came back from the child: its work's value, or why there is none."""

    value: Any = None
    # None when the work finished; else "timed out", "over memory limit" or "crashed"
    failure: str | None = None
    message: str = ""
    peak_mib: float = 0.0
    seconds: float = 0.0


def _resident_mib(pid: int) -> float | None:
    """The resident memory of a running process, where /proc tells it (Linux)."""
    try:
        pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _die_with_parent(parent: int) -> None:
    """Have the kernel kill this child when the worker that forked it dies (a worker killed in a
    cluster must not leave its child writing behind the file's next attempt). Linux only."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it died before the request was made
        os._exit(1)


def _in_child(work: Callable[[], Any], writer: int, output: IO[bytes], parent: int) -> None:
    """Run ``work`` and send what it returned (or the error it raised) up the pipe; never return."""
    try:
        _die_with_parent(parent)
        # the engine writes a line to standard error for each formula without a stored value:
        # kept for the message of a crash, out of the batch's own output
        os.dup2(output.fileno(), 1)
        os.dup2(output.fileno(), 2)
        sys.stdout = sys.stderr = open(output.fileno(), "w", closefd=False)  # noqa: SIM115
        if faulthandler.is_enabled():  # its own copy of the old standard error: here too
            faulthandler.enable(output)
        try:
            payload = pickle.dumps((None, work()))
        except KeyboardInterrupt:  # the batch is being stopped: its worker records nothing
            os._exit(130)
        except BaseException as error:  # the parent says what it was
            text = "".join(traceback.format_exception_only(error)).strip()
            payload = pickle.dumps(("crashed", f"a fault of productive_xl: {text}"))
        view = memoryview(payload)
        while view:
            view = view[os.write(writer, view) :]
    finally:
        os._exit(0)


def _last_line(output: IO[bytes]) -> str:
    output.seek(0, os.SEEK_END)
    output.seek(max(0, output.tell() - 2000))
    lines = [line.strip() for line in output.read().decode(errors="replace").splitlines()]
    return next((line for line in reversed(lines) if line), "")


def run_in_child(
    work: Callable[[], Any], timeout: float | None, memory_limit_mib: float | None
) -> ChildResult:
    """Run ``work`` (which must return something picklable) in a forked child and return its
    value; kill the child when ``timeout`` seconds pass or its resident memory goes above
    ``memory_limit_mib``. Only POSIX systems fork."""
    started = time.monotonic()
    deadline = None if timeout is None else started + timeout
    reader, writer = os.pipe()
    with tempfile.TemporaryFile() as output:
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:
            os.close(reader)
            _in_child(work, writer, output, parent)
        os.close(writer)
        received, failure = b"", None
        try:
            received, failure = _wait(reader, pid, deadline, memory_limit_mib)
        except BaseException:  # interrupted: the child goes too
            failure = "interrupted"
            raise
        finally:
            os.close(reader)
            if failure is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            _, status, usage = os.wait4(pid, 0)
        result = ChildResult(
            peak_mib=usage.ru_maxrss / 1024, seconds=time.monotonic() - started, failure=failure
        )
        if failure == "timed out":
            result.message = f"not finished within the time limit ({timeout:g} s): stopped"
        elif failure == "over memory limit":
            result.message = f"used more than {memory_limit_mib:g} MiB of memory: stopped"
        else:
            try:
                result.failure, result.value = pickle.loads(received)
            except Exception:  # nothing, or half a message: the child died
                result.failure = "crashed"
                result.value = _ended(status, _last_line(output))
            if result.failure is not None:
                result.message, result.value = str(result.value), None
        return result


def _ended(status: int, last_line: str) -> str:
    code = os.waitstatus_to_exitcode(status)
    how = f"was killed by signal {-code}" if code < 0 else f"ended with status {code}"
    return f"its process {how}" + (f": {last_line}" if last_line else "")


def _wait(
    reader: int, pid: int, deadline: float | None, memory_limit_mib: float | None
) -> tuple[bytes, str | None]:
    """Read what the child sends until it closes the pipe; or the reason to stop it."""
    chunks: list[bytes] = []
    while True:
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            return b"", "timed out"
        if memory_limit_mib is not None:
            resident = _resident_mib(pid)
            if resident is not None and resident > memory_limit_mib:
                return b"", "over memory limit"
            left = _POLL_SECONDS if left is None else min(left, _POLL_SECONDS)
        ready, _, _ = select.select([reader], [], [], left)
        if ready:
            data = os.read(reader, 1 << 16)
            if not data:
                return b"".join(chunks), None
            chunks.append(data)
