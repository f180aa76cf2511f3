"""Small workbooks for the batch tests, each with values worked out by hand."""

from __future__ import annotations

from pathlib import Path

import openpyxl


def saving_book(path: Path, baseline: float = 40, rows: int = 1) -> Path:
    """``rows`` lines of PRODUCTIVE_SAVING(baseline, 28, 250, 12, 0.9), and their total.

    By hand: (baseline - 28) x 250 x 12 x 0.9 a line, so 32,400 a line at a baseline of 40 and
    59,400 at 50.
    """
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Savings"
    for row in range(1, rows + 1):
        sheet.append([baseline, 28, 250, f"=PRODUCTIVE_SAVING(A{row},B{row},C{row},12,0.9)"])
    # never a range of one cell, which recalc keeps (it has been seen to disagree with Excel)
    sheet["F1"] = f"=SUM(D1:D{max(rows, 2)})"
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def slow_book(path: Path, rows: int = 20_000, formulas: int = 1_000) -> Path:
    """A workbook the engine takes seconds over: ``formulas`` SUMPRODUCTs over ``rows`` rows
    (1,000 over 20,000 rows: about 5 s on this project's machines)."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Data")
    for row in range(1, rows + 1):
        formula = f"=SUMPRODUCT($A$1:$A${rows}*$B$1:$B${rows})+{row}" if row <= formulas else None
        sheet.append([row, row % 7, formula])
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def value_in(path: Path, cell: str, sheet: str = "Savings") -> object:
    """The value ``path`` stores in ``cell`` (as Excel would show it on opening)."""
    book = openpyxl.load_workbook(path, data_only=True, read_only=True)
    try:
        return book[sheet][cell].value
    finally:
        book.close()
