"""The Python behind the "Productive" ribbon: one function for each button.

Each button's VBA callback calls its function through xlwings ``RunPython`` (the module is
``productive_xl.tracker.layout.RIBBON_MODULE``); each takes no argument and finds the workbook
with ``xlwings.Book.caller()``. The work itself is the tracker logic that ``productive-xl
refresh`` runs on a file; here it runs on the open workbook, and the outcome is shown in a
message box.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from datetime import datetime
from typing import Any

import xlwings as xw

from productive_xl import __version__
from productive_xl.excel.live_book import LiveBook
from productive_xl.tracker import actions, input_checks
from productive_xl.tracker.book import NotATracker, what_it_lacks
from productive_xl.tracker.layout import Table
from productive_xl.tracker.refresh import refresh
from productive_xl.tracker.register import Column

TITLE = "Productive"
_MESSAGE_FOR = "ProductiveErrors.MessageFor"  # the VBA function that keeps each error's message
_MOST_SHOWN = 25  # a message box shows this many findings; the Checks sheet holds them all


def _caller() -> tuple[Any, LiveBook]:
    book = xw.Book.caller()
    return book, LiveBook(book)


def _tell(book: Any, text: str, critical: bool = False) -> None:
    book.app.alert(text, title=TITLE, mode="critical" if critical else "info")


def _user(book: Any) -> str:
    """The name Excel knows the user by (File > Options > General), else the login name."""
    try:
        return str(book.app.api.UserName) or getpass.getuser()
    except Exception:  # no COM user name (Excel for Mac): the login name will do
        return getpass.getuser()


def _on_the_caller(action: Callable[[Any, LiveBook], str]) -> Callable[[], None]:
    """Run ``action`` on the calling workbook and show what it says, or what went wrong."""

    def run() -> None:
        book, live = _caller()
        try:
            text = action(book, live)
        except NotATracker as error:
            _tell(book, what_it_lacks(error), True)
            return
        _tell(book, text)

    # not functools.wraps: RunPython calls each with no argument, and its signature says so
    run.__name__ = run.__qualname__ = action.__name__
    run.__doc__ = action.__doc__
    run.__module__ = action.__module__
    return run


@_on_the_caller
def refresh_tracker(book: Any, live: LiveBook) -> str:
    """Check the register, write the findings to Checks, extend the rollup, stamp the tracker."""
    result = refresh(live, _user(book), datetime.now().replace(microsecond=0))
    return result.summary()


@_on_the_caller
def check_inputs(book: Any, live: LiveBook) -> str:
    """List every blank or out-of-range input, naming the cell to fix."""
    findings = input_checks.check_inputs(live)
    if not findings:
        return "Every input is present and in range."
    shown = [str(finding) for finding in findings[:_MOST_SHOWN]]
    if len(findings) > _MOST_SHOWN:
        shown.append(f"... and {len(findings) - _MOST_SHOWN} more")
    return f"{len(findings)} inputs need attention:\n" + "\n".join(shown)


@_on_the_caller
def add_benefit_line(book: Any, live: LiveBook) -> str:
    """Add a register line with the next free ID and select it, ready to fill in."""
    line = actions.add_benefit_line(live)
    address = live.cell_address(Table.BENEFITS, Column.ID, line.row)
    sheet, _, cell = address.partition("!")
    book.sheets[sheet].range(cell).select()
    return f"Added line {line.id} on row {line.row} of {sheet}."


@_on_the_caller
def update_rates_for_year(book: Any, live: LiveBook) -> str:
    """Write each band's pay points for the tracker's financial year into tblRates."""
    return actions.update_rates_for_year(live).message


@_on_the_caller
def explain_error(book: Any, live: LiveBook) -> str:
    """Show why the selected cell shows an error: the message kept when it was calculated."""
    selection = book.selection
    if selection is None:
        return "Select a cell that shows an error, then press Explain error."
    cell = selection[0, 0]
    message = book.macro(_MESSAGE_FOR)(cell)
    if message:
        return f"{cell.address}: {message}"
    return f"{cell.address} shows no error that a PRODUCTIVE_* function reported."


@_on_the_caller
def about(book: Any, live: LiveBook) -> str:
    """Show which versions of productive_xl and xlwings this workbook is running with."""
    return (
        f"productive_xl {__version__}, with xlwings {xw.__version__}.\n"
        "The financial benefits of the NHS Productive Series, in this tracker."
    )
