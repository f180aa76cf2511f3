"""How a batch shows its progress: on a terminal, a bar with the count of files done and an
estimate of the time left; anywhere else (a log, a scheduled job), one line per file."""

from __future__ import annotations

import shutil
import time
from typing import TextIO

from productive_xl.batch.outcome import FileOutcome

_BAR_WIDTH = 20


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def file_line(outcome: FileOutcome) -> str:
    """One line telling what became of a file."""
    figures = f"{outcome.recalculated:,} cells recalculated, {outcome.kept:,} kept"
    if outcome.findings is not None:
        figures += f", {outcome.findings:,} findings"
    detail = figures if outcome.output else outcome.message
    if outcome.output and outcome.message:
        detail += f": {outcome.message}"
    return (
        f"{outcome.file}: {outcome.status} ({detail}), "
        f"{outcome.seconds:.2f} s, {outcome.peak_mib:.0f} MiB"
    )


class BatchProgress:
    """Told of each file as it is done; ``total_bytes`` is the size of the files to do, which
    the estimate of time left is weighed by (a file's time grows with its size)."""

    def __init__(self, total: int, total_bytes: int, stream: TextIO) -> None:
        self.total, self.total_bytes, self.stream = total, max(total_bytes, 1), stream
        self.done = 0
        self.done_bytes = 0
        self.started = time.monotonic()
        self.terminal = stream.isatty()

    def file_done(self, outcome: FileOutcome, size: int) -> None:
        self.done += 1
        self.done_bytes += size
        if not self.terminal:
            self.stream.write(f"[{self.done}/{self.total}] {file_line(outcome)}\n")
            self.stream.flush()
            return
        elapsed = time.monotonic() - self.started
        share = self.done_bytes / self.total_bytes
        left = elapsed * (1 - share) / share if share > 0 else 0.0
        filled = _BAR_WIDTH * self.done // max(self.total, 1)
        line = (
            f"batch [{'#' * filled}{'.' * (_BAR_WIDTH - filled)}] {self.done}/{self.total} files, "
            f"{_duration(elapsed)} gone, about {_duration(left)} left; last: {outcome.file} "
            f"{outcome.status}"
        )
        width = shutil.get_terminal_size().columns or 80
        self.stream.write("\r" + line[: width - 1].ljust(width - 1))
        self.stream.flush()

    def close(self) -> None:
        if self.terminal and self.done:
            width = shutil.get_terminal_size().columns or 80
            self.stream.write("\r" + " " * (width - 1) + "\r")
            self.stream.flush()
