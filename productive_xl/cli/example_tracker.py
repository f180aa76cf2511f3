"""The README's example: the example trust's tracker, built, refreshed and recalculated on the
server, and what an accountant would read from it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from productive_xl.headless.report import RecalcReport
from productive_xl.tracker.file_book import FileBook
from productive_xl.tracker.layout import Name, RollupColumn, Table
from productive_xl.tracker.refresh import RefreshResult
from productive_xl.tracker.refresh_file import refresh_file
from productive_xl.tracker.template.build import build_tracker

EXAMPLE_USER = "productive-xl example"
KEYS = (RollupColumn.PROGRAMME, RollupColumn.WARD, RollupColumn.YEAR, RollupColumn.DIRECTORATE)
AMOUNTS = tuple(column for column in RollupColumn if column not in KEYS)


@dataclass
class ExampleRun:
    """The example tracker after its refresh: its rollup, master check and what was done."""

    rollup: list[dict[str, object]]  # tblRollup as the workbook now shows it, one row a key
    master_check: object  # 0 when all is well
    refresh: RefreshResult
    report: RecalcReport

    def rollup_with_total(self) -> list[dict[str, object]]:
        """The rollup with a last row totalling each amount over every key."""
        total: dict[str, object] = {RollupColumn.PROGRAMME.value: "Total"}
        for column in AMOUNTS:
            total[column.value] = sum(_amount(row.get(column.value)) for row in self.rollup)
        return [*self.rollup, total]


def _amount(value: object) -> float:
    """A rollup amount as a number; a blank cell counts as nothing."""
    if value is None or value == "":
        return 0.0
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise ValueError(f"tblRollup holds {value!r} where an amount belongs")


def run_example_tracker(path: Path) -> ExampleRun:
    """Build the example trust's tracker at ``path`` (an .xlsm), refresh it as the server does
    (check the register, write the findings, extend the rollup, stamp it, recalculate), and read
    back its rollup and master check."""
    build_tracker(path, example=True)
    refreshed, report = refresh_file(path, path, user=EXAMPLE_USER)
    book = FileBook(path)
    rollup: list[dict[str, object]] = [
        {column.value: row.values.get(column) for column in RollupColumn}
        for row in book.rows(Table.ROLLUP)
    ]
    return ExampleRun(rollup, book.name_value(Name.MASTER_CHECK), refreshed, report)
