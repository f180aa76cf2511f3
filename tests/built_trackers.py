"""The two trackers `productive-xl new-tracker` builds, for the tests that read them.

They are built, never committed: each holds xlwings' own VBA module, which is taken from the
installed xlwings package at build time. tests/conftest.py builds them once a session.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from productive_xl.cli.main import main


@dataclass(frozen=True)
class BuiltTrackers:
    """The empty template and the example trust's tracker, as new-tracker writes them."""

    template: Path
    example: Path

    def __getitem__(self, name: str) -> Path:
        """The tracker named ``template`` or ``example``, for tests parametrised over both."""
        return {"template": self.template, "example": self.example}[name]


BOTH = ("template", "example")


def build_trackers(folder: Path) -> BuiltTrackers:
    """Build both trackers in ``folder`` through the command line's own entry point."""
    built = BuiltTrackers(folder / "tracker-template.xlsm", folder / "tracker-example.xlsm")
    assert main(["new-tracker", "--year", "2025/26", str(built.template)]) == 0
    assert main(["new-tracker", "--example", str(built.example)]) == 0
    return built
