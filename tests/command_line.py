"""Running ``productive-xl`` as a user does: a process of its own, its exit status and output."""

from __future__ import annotations

import subprocess
import sys


def run_productive_xl(*arguments: str) -> subprocess.CompletedProcess[str]:
    """``productive-xl ARGUMENTS`` in a new Python process, with its output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "productive_xl.cli.main", *arguments],
        capture_output=True,
        text=True,
        check=False,
    )
