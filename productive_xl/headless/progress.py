"""A progress bar on a terminal, and silence anywhere else (a pipe, a log, a scheduled job)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from tqdm import tqdm

# The steps recalc reports; evaluation rounds beyond the first are added as they come.
_STEPS = ("loading", "evaluating", "reading", "writing")


@contextmanager
def terminal_progress(label: str) -> Iterator[Callable[[str], None]]:
    """A callback that moves a progress bar on standard error, when it is a terminal."""
    if not sys.stderr.isatty():
        yield lambda _: None
        return
    bar = tqdm(total=len(_STEPS), desc=label, unit="step", leave=False, file=sys.stderr)
    seen: set[str] = set()

    def step(what: str) -> None:
        if what in seen:
            return
        seen.add(what)
        if what.startswith("evaluating") and bar.n >= 2:
            bar.total = (bar.total or 0) + 1
        bar.set_postfix_str(what)
        bar.update(1)

    try:
        yield step
    finally:
        bar.close()
