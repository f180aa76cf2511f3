"""What a recalculation did, for a person and for a machine (``--report`` JSON)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Final

from productive_xl.ooxml.cell_values import CellValue, ErrorValue, cell_reference

_PLAIN_SHEET = re.compile(r"^[A-Za-z_][\w.]*$")
_CALLS_NA = re.compile(r"(?<![\w.])NA\(\s*\)", re.IGNORECASE)

ON_PURPOSE: Final = "#N/A where the formula calls NA(): most likely on purpose, e.g. a chart's gap"
"""The message of an #N/A in a formula that calls NA() itself, Excel's way to leave a point out
of a line chart: told apart from the other errors, so that a report of them alarms no one (the
#N/A may still come from a cell it reads, hence "most likely")."""


def shows_na_on_purpose(formula: str | None, error: ErrorValue) -> bool:
    """Whether ``error`` is #N/A and ``formula`` calls NA() itself, as a formula that shows
    #N/A by choice does, e.g. ``IF(month_closed, actual, NA())``."""
    return error.code == "#N/A" and formula is not None and bool(_CALLS_NA.search(formula))


def cell_name(sheet: str, row: int, column: int) -> str:
    """``Sheet1!B4``, or ``'Released Time'!B4`` where the sheet name needs quotes."""
    shown = sheet if _PLAIN_SHEET.match(sheet) else "'" + sheet.replace("'", "''") + "'"
    return f"{shown}!{cell_reference(row, column)}"


def _json_value(value: CellValue | None) -> Any:
    if isinstance(value, ErrorValue):
        return {"error": value.code}
    return value


@dataclass
class RecalcReport:
    """The outcome of ``productive-xl recalc`` on one workbook."""

    workbook: str
    output: str | None
    formula_cells: int = 0
    recalculated: int = 0
    rounds: int = 0
    # why no formula could be recalculated (the engine refused the workbook, the time limit
    # ran out): every formula cell keeps the value Excel stored
    kept: str | None = None
    not_recalculated: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    # (sheet, row, column, old, new) of each change: a large workbook has many, so they are
    # written out as dictionaries only when asked for
    _changes: list[tuple[str, int, int, CellValue | None, CellValue]] = field(
        default_factory=list, repr=False
    )

    @property
    def changed(self) -> list[dict[str, Any]]:
        """Every cell whose value changed: its name, old and new value."""
        return [
            {
                "cell": cell_name(sheet, row, column),
                "old": _json_value(old),
                "new": _json_value(new),
            }
            for sheet, row, column, old, new in self._changes
        ]

    @property
    def changed_count(self) -> int:
        return len(self._changes)

    @property
    def complete(self) -> bool:
        """Whether every formula cell was recalculated."""
        return not self.not_recalculated and self.kept is None

    def add_change(
        self, sheet: str, row: int, column: int, old: CellValue | None, new: CellValue
    ) -> None:
        self._changes.append((sheet, row, column, old, new))

    def add_not_recalculated(self, cell: str, reason: str, kept: CellValue | None) -> None:
        self.not_recalculated.append({"cell": cell, "reason": reason, "kept": _json_value(kept)})

    def add_error(self, cell: str, error: ErrorValue, message: str | None) -> None:
        self.errors.append({"cell": cell, "error": error.code, "message": message})

    def to_json(self) -> str:
        import json  # noqa: PLC0415 (only a report asked for as JSON needs it: quicker start)

        fields = {k: v for k, v in asdict(self).items() if not k.startswith("_")}
        return json.dumps({**fields, "changed": self.changed, "complete": self.complete}, indent=2)

    def summary(self) -> str:
        """A few lines for the terminal."""
        if self.kept is not None:
            lines = [
                f"{self.workbook}: not recalculated, every formula keeps its value: {self.kept}"
            ]
            if self.output:
                lines.append(f"written to {self.output}")
            return "\n".join(lines)
        on_purpose = sum(error["message"] == ON_PURPOSE for error in self.errors)
        lines = [
            f"{self.workbook}: {self.recalculated:,} of {self.formula_cells:,} formula cells "
            f"recalculated, {self.changed_count:,} changed, {len(self.errors):,} show errors"
            + (
                f" ({on_purpose:,} of them #N/A from NA(), e.g. a chart's gap)"
                if on_purpose
                else ""
            )
        ]
        if self.output:
            lines.append(f"written to {self.output}")
        for item in self.not_recalculated[:20]:
            lines.append(f"  not recalculated: {item['cell']} {item['reason']}")
        if len(self.not_recalculated) > 20:
            lines.append(f"  ... and {len(self.not_recalculated) - 20:,} more (see --report)")
        return "\n".join(lines)
