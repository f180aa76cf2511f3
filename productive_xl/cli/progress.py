"""A progress bar on a terminal, and silence anywhere else (a pipe, a log, a scheduled job).

Recalc moves through a few steps of very different lengths (loading, evaluation rounds, reading,
writing), so the bar counts steps and names the one under way. It is a few lines of its own:
tqdm, tried first, drew nothing on the pseudo-terminals of the servers this runs on.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

# The steps recalc reports; evaluation rounds beyond the first are added as they come.
STEPS = ("loading", "evaluating", "reading", "writing")
_BAR_WIDTH = 20


def _draw(stream: TextIO, label: str, done: int, total: int, what: str) -> None:
    filled = _BAR_WIDTH * done // max(total, 1)
    line = f"{label} [{'#' * filled}{'.' * (_BAR_WIDTH - filled)}] {done}/{total} {what}"
    width = shutil.get_terminal_size().columns or 80
    stream.write("\r" + line[: width - 1].ljust(width - 1))
    stream.flush()


@contextmanager
def terminal_progress(label: str, stream: TextIO | None = None) -> Iterator[Callable[[str], None]]:
    """A callback that moves a progress bar on ``stream`` (standard error) when it is a
    terminal, and does nothing otherwise; the bar is cleared at the end."""
    out = stream or sys.stderr
    if not out.isatty():
        yield lambda _: None
        return
    seen: list[str] = []
    total = len(STEPS)

    def step(what: str) -> None:
        nonlocal total
        if what in seen:
            return
        seen.append(what)
        if what.startswith("evaluating") and len(seen) > 2:
            total += 1  # another evaluation round
        _draw(out, label, len(seen), total, what)

    try:
        yield step
    finally:
        out.write("\r" + " " * ((shutil.get_terminal_size().columns or 80) - 1) + "\r")
        out.flush()
