"""What the add-in's JavaScript calls in Pyodide: one PRODUCTIVE_* function, as a cell calls it.

It runs in the browser, inside the add-in's wheel, so it imports only the calculation part of
productive_xl (the standard library and nothing else). The answer is a plain list the
JavaScript reads without Python objects: ``["value", result]`` or
``["error", "#N/A", "PRODUCTIVE_HOURLY_COST: band 'Band 10' is not ..."]``.
"""

from __future__ import annotations

from typing import Any

from productive_xl.core.errors import ExcelError
from productive_xl.core.financial_year import FinancialYear
from productive_xl.functions import CATALOGUE
from productive_xl.workbook_context import calculating_workbook


def workbook_year(label: Any) -> FinancialYear | None:
    """The year of the workbook's name FinancialYear, read as recalc reads it: a label such as
    "2025/26", or None (then the current NHS financial year) for anything else."""
    if not isinstance(label, str):
        return None
    try:
        return FinancialYear.parse(label)
    except ExcelError:
        return None


def told(error: ExcelError) -> str:
    """The message of an error as Excel shows it beside the error value, which gives the code."""
    return f"{error.function}: {error.message}" if error.function else error.message


def call(excel_name: str, arguments: list[Any], workbook_year_label: Any = None) -> list[Any]:
    """``excel_name`` (``PRODUCTIVE_SAVING``) computed with ``arguments`` as the cell gave them
    (None for an omitted argument or a blank cell, a list of rows for a range), in a workbook
    whose FinancialYear name holds ``workbook_year_label``."""
    function = CATALOGUE[excel_name]
    with calculating_workbook(financial_year=workbook_year(workbook_year_label)):
        try:
            return ["value", function(*arguments)]
        except ExcelError as error:
            return ["error", error.code, told(error)]
