"""Test stand-in, run by LibreOffice's script provider for Python: xlwings' Python side of a call.

tests/test_vba_in_libreoffice.py copies this file into the Scripts/python folder of the
LibreOffice profile it makes. The Basic stand-in for xlwings' COM server (XLPy.bas, beside this
file) calls ``call_udf`` for every ``XLPy.CallUDF`` of a generated wrapper, and ``run_python`` for
every ``RunPython`` of a ribbon callback. Each call is appended as one JSON line to the file named
by the environment variable PRODUCTIVE_XL_STAND_IN_LOG, for the test to read.

``call_udf`` reads the arguments as xlwings' ``call_udf`` does on Windows (a Missing argument is
the function's default, a blank cell None, an error value its text such as "#N/A", a range a
list), imports the function from this repository's productive_xl (PRODUCTIVE_XL_SOURCE) and
returns ("value", result), or ("raise", the Python traceback) where the COM bridge would raise.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import sys
import traceback
from typing import Any

# Excel's error values as VBA's CVErr numbers (xlErrDiv0 ...), as xlwings' err_to_str writes them.
_ERRORS = {
    2000: "#NULL!",
    2007: "#DIV/0!",
    2015: "#VALUE!",
    2023: "#REF!",
    2029: "#NAME?",
    2036: "#NUM!",
    2042: "#N/A",
}


def _log(entry: dict[str, Any]) -> None:
    with open(os.environ["PRODUCTIVE_XL_STAND_IN_LOG"], "a", encoding="utf-8") as log:
        log.write(json.dumps(entry) + "\n")


def _plain(described: Any) -> Any:
    """A described argument (a UNO tuple) as JSON: lists for tuples, the rest as it is."""
    if isinstance(described, tuple | list):
        return [_plain(part) for part in described]
    return described


def _read(described: Any, parameter: inspect.Parameter) -> Any:
    """An argument as xlwings' call_udf hands it to the function."""
    kind = described[0]
    if kind == "Missing":
        return None if parameter.default is inspect.Parameter.empty else parameter.default
    if kind == "Range":
        return _read(described[2], parameter)
    if kind == "Empty":
        return None
    if kind == "Error":
        return _ERRORS.get(described[1], "#VALUE!")
    if kind == "Array":
        rows = [[_read(cell, parameter) for cell in row] for row in described[1]]
        if len(rows) == 1 and len(rows[0]) == 1:
            return rows[0][0]
        if len(rows) == 1:
            return rows[0]
        if all(len(row) == 1 for row in rows):
            return [row[0] for row in rows]
        return rows
    return described[1]


def call_udf(  # noqa: PLR0917 (the script provider passes arguments by position)
    module_name: str,
    function_name: str,
    arguments: tuple[Any, ...],
    book_type: str,
    book_name: str,
    caller: str,
) -> tuple[str, Any]:
    """Run ``module_name.function_name`` on the arguments a wrapper passed to XLPy.CallUDF."""
    _log(
        {
            "call_udf": function_name,
            "module": module_name,
            "arguments": _plain(arguments),
            "book": [book_type, book_name],
            "caller": caller,
        }
    )
    try:
        source = os.environ["PRODUCTIVE_XL_SOURCE"]
        if source not in sys.path:
            sys.path.insert(0, source)
        function = getattr(importlib.import_module(module_name), function_name)
        parameters = list(inspect.signature(function).parameters.values())
        return ("value", function(*map(_read, arguments, parameters)))
    except Exception:
        raised = traceback.format_exc()
        _log({"raised": raised})
        return ("raise", raised)


def run_python(command: str) -> None:
    """Record what xlwings' RunPython was asked to run."""
    _log({"run_python": command})


# What LibreOffice's script provider offers of this file.
g_exportedScripts = (call_udf, run_python)  # noqa: N816 (the name the script provider reads)
