"""The progress bar: drawn on a terminal, silent anywhere else."""

from __future__ import annotations

import io

from productive_xl.cli.progress import terminal_progress


class Terminal(io.StringIO):
    """A text stream that says it is a terminal, as a console's standard error does."""

    def isatty(self) -> bool:
        return True


def test_a_terminal_sees_each_step_and_a_cleared_line_at_the_end() -> None:
    terminal = Terminal()
    with terminal_progress("tracker.xlsx", terminal) as step:
        for what in (
            "loading",
            "evaluating (round 1)",
            "evaluating (round 2)",
            "reading",
            "writing",
        ):
            step(what)
    frames = terminal.getvalue().split("\r")
    drawn = [f.strip() for f in frames if f.strip()]
    assert drawn[0].startswith("tracker.xlsx [")
    assert drawn[0].endswith("1/4 loading")
    assert "3/5 evaluating (round 2)" in drawn[2]  # a second round adds a step
    assert drawn[-1].endswith("5/5 writing")
    assert "####################" in drawn[-1]
    assert frames[-1] == ""  # the bar is wiped before the summary is printed


def test_a_pipe_or_log_gets_nothing() -> None:
    log = io.StringIO()
    with terminal_progress("tracker.xlsx", log) as step:
        step("loading")
    assert log.getvalue() == ""
