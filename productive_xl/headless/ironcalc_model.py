"""IronCalc, the formula engine: load a workbook into it and read values out of it."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import ironcalc

from productive_xl.ooxml.cell_values import CellValue, ErrorValue

# Errors IronCalc gives where Excel would compute a value: a formula it cannot parse, a function
# it has not implemented, a circular reference (Excel has no #CIRC!).
ENGINE_ONLY_ERRORS = frozenset({"#ERROR!", "#N/IMPL!", "#CIRC!"})
# a pyo3 enum: int() gives its value, though the stub does not say so
_ERROR_TYPE: int = int(ironcalc.CellType.ErrorValue)  # type: ignore[call-overload]

Model = Any  # ironcalc.Model ships without a usable type


class EngineRefused(Exception):
    """The engine refused the workbook (an error of its own) or failed on it (a panic)."""


def _is_panic(error: BaseException) -> bool:
    # pyo3's PanicException derives from BaseException and is not importable by a stable name
    return type(error).__name__ == "PanicException"


@contextmanager
def engine_failures() -> Iterator[None]:
    """Turn the engine's refusals (``WorkbookError``) and panics into :class:`EngineRefused`,
    with the engine's own message, so that no caller sees a Rust panic as a traceback."""
    try:
        yield
    except ironcalc.WorkbookError as error:
        raise EngineRefused(_one_line(str(error))) from None
    except BaseException as error:
        if _is_panic(error):
            raise EngineRefused(f"the engine failed ({_one_line(str(error))})") from None
        raise


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]


@contextmanager
def quiet_engine() -> Iterator[None]:
    """Keep the engine's own messages off standard output, where a report may be printed, and
    off standard error, where a panic would print its place in the Rust sources.

    The Rust core writes to file descriptors 1 and 2 directly, past ``sys.stdout`` and
    ``sys.stderr``, so the descriptors themselves are pointed at the null device meanwhile.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    saved = (os.dup(1), os.dup(2))
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        os.dup2(null, 2)
        yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])
        os.close(null)


def load_model(workbook: bytes) -> Model:
    """An IronCalc model of the workbook package ``workbook`` (its bytes)."""
    # IronCalc loads from a path only; an anonymous in-memory file keeps the copy off the disk
    # where the system has one, and a temporary file stands in where it has not.
    if hasattr(os, "memfd_create"):
        descriptor = os.memfd_create("productive-xl-engine.xlsx")
        try:
            os.write(descriptor, workbook)
            with quiet_engine():
                return ironcalc.load_from_xlsx(f"/proc/self/fd/{descriptor}")
        finally:
            os.close(descriptor)
    with tempfile.TemporaryDirectory(prefix="productive-xl-") as folder:
        path = os.path.join(folder, "engine.xlsx")
        with open(path, "wb") as file:
            file.write(workbook)
        with quiet_engine():
            return ironcalc.load_from_xlsx(path)


def read_value(model: Model, sheet: int, row: int, column: int) -> CellValue | None:
    """The value of a cell, with errors told apart from text; None for an empty cell."""
    value = model.get_cell_value(sheet, row, column)
    if (
        isinstance(value, str)
        and value.startswith("#")
        and int(model.get_cell_type(sheet, row, column)) == _ERROR_TYPE
    ):
        return ErrorValue(value)
    if value is None or isinstance(value, (bool, float, str)):
        return value
    return float(value)


def write_value(model: Model, sheet: int, row: int, column: int, value: CellValue) -> None:
    """Set a cell to a constant of the value's own type (an error value included)."""
    if isinstance(value, ErrorValue):
        model.set_user_input(sheet, row, column, value.code)
    elif isinstance(value, bool):
        model.update_cell_with_bool(sheet, row, column, value)
    elif isinstance(value, str):
        model.update_cell_with_text(sheet, row, column, value)
    else:
        model.update_cell_with_number(sheet, row, column, float(value))


def clear_value(model: Model, sheet: int, row: int, column: int) -> None:
    """Empty a cell. A cell the file shows an array formula spilled into is one the engine
    refuses to empty once that formula is replaced ("Spill cell does not reference an array
    formula"): it is given a plain value first, which it empties."""
    try:
        model.clear_cell_contents(sheet, row, column)
    except Exception as error:  # the engine's own exception type
        if "Spill cell" not in str(error):
            raise
        model.update_cell_with_number(sheet, row, column, 0.0)
        model.clear_cell_contents(sheet, row, column)
