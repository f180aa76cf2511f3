"""Tracker-like workbooks of any size, for the recalc benchmark and the safe-write test.

Each row of the Register is a released-time benefit line with eight formulas, one of them a
PRODUCTIVE_* call; an Inputs sheet holds the rates they use. Cached values are left at 0, as a
workbook whose values are stale.
"""

from __future__ import annotations

from pathlib import Path

import xlsxwriter  # type: ignore[import-untyped]

FORMULAS_PER_ROW = 8
STATUSES = ("Blue", "Green", "Amber", "Red")
BANDS = ("Band 3", "Band 4", "Band 5", "Band 6", "Band 7")
PLAIN_RELEASED_HOURS = "=(D{r}-E{r})*F{r}*365/60"


def build_tracker(path: Path, rows: int, *, productive: bool = True) -> None:
    """A tracker with ``rows`` benefit lines; without ``productive`` the PRODUCTIVE_* column is
    an ordinary formula giving the same hours, for engines that cannot call Python."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    inputs = book.add_worksheet("Inputs")
    inputs.write_row(0, 0, ["Item", "Value", "Unit"])
    inputs.write_row(1, 0, ["Cost per productive hour", 25.38, "pounds an hour"])
    for i, (status, weight) in enumerate(zip(STATUSES, (1.0, 0.9, 0.5, 0.1), strict=True)):
        inputs.write_row(3 + i, 0, [status, weight])
    register = book.add_worksheet("Register")
    register.write_row(
        0,
        0,
        [
            "ID",
            "Ward",
            "Band",
            "Minutes before",
            "Minutes after",
            "Times a day",
            "Status",
            "Start",
            "Hours a year",
            "Value",
            "Risk-adjusted",
            "Rounded",
            "Size",
            "Start month",
            "Monthly",
            "Not risked",
        ],
    )
    date_format = book.add_format({"num_format": "dd/mm/yyyy"})
    for i in range(rows):
        r = i + 2
        register.write_row(
            i + 1,
            0,
            [
                f"RT-{i + 1:05d}",
                f"Ward {i % 40 + 1}",
                BANDS[i % 5],
                20 + i % 30,
                10 + i % 7,
                1 + i % 6,
                STATUSES[i % 4],
            ],
        )
        register.write_number(i + 1, 7, 45748 + i % 365, date_format)
        hours = (
            f"=PRODUCTIVE_RELEASED_HOURS(D{r},E{r},F{r})"
            if productive
            else PLAIN_RELEASED_HOURS.format(r=r)
        )
        register.write_formula(i + 1, 8, hours, None, 0)
        register.write_formula(i + 1, 9, f"=I{r}*Inputs!$B$2", None, 0)
        register.write_formula(i + 1, 10, f"=J{r}*VLOOKUP(G{r},Inputs!$A$4:$B$7,2,FALSE)", None, 0)
        register.write_formula(i + 1, 11, f"=ROUND(K{r},2)", None, 0)
        register.write_formula(i + 1, 12, f'=IF(L{r}>1000,"High","Low")', None, "")
        register.write_formula(i + 1, 13, f"=MONTH(H{r})", None, 0)
        register.write_formula(i + 1, 14, f"=L{r}/12", None, 0)
        register.write_formula(i + 1, 15, f"=J{r}-K{r}", None, 0)
    book.close()
