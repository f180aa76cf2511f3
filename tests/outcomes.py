"""What every run of a command on bad or unlucky input must end in (issue 9): exit 0 or 3 with
a workbook that opens, or a refusal (2, 4 or 5) in exactly one line on standard error naming
the file, with nothing written and nothing left behind."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from productive_xl.cli.main import main

REFUSALS = (2, 4, 5)


@dataclass(frozen=True)
class Outcome:
    status: int
    stdout: str
    stderr: str


def run_in_process(capsys: pytest.CaptureFixture[str], *arguments: str) -> Outcome:
    """``productive-xl ARGUMENTS`` through its entry point in this process (the engine still
    runs in a child process of its own, so a crash of it is seen as it would be)."""
    capsys.readouterr()
    try:
        status = main(list(arguments))
    except SystemExit as exit_:  # argparse
        status = int(exit_.code or 0)
    captured = capsys.readouterr()
    return Outcome(status, captured.out, captured.err)


def assert_acceptable(
    outcome: Outcome,
    source: Path,
    output: Path,
    before: bytes | None = None,
    expected: tuple[int, ...] = (0, 3, 4),
) -> None:
    """The outcome is one of ``expected``: done (0 or 3) with an output that is a zip whose
    members all read back, or refused in one line naming ``source`` with ``output`` as it was
    (``before``; None: not there) and no temporary file beside it."""
    assert outcome.status in expected, (outcome.status, outcome.stderr[-2000:])
    if outcome.status in (0, 3):
        with zipfile.ZipFile(output) as archive:
            assert archive.testzip() is None
        return
    lines = outcome.stderr.splitlines()
    assert len(lines) == 1, outcome.stderr
    assert "Traceback" not in outcome.stderr
    assert str(source) in lines[0] or str(output) in lines[0], lines[0]
    assert "unexpected" not in lines[0], lines[0]  # a fault of ours, not of the file
    if before is None:
        assert not output.exists()
    else:
        assert output.read_bytes() == before
    assert not list(output.parent.glob(f".{output.name}.*")), "a temporary file was left"
