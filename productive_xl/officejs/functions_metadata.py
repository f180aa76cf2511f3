"""``functions.json``: the custom functions' metadata Excel reads, from the catalogue.

Each PRODUCTIVE_* function is registered under the add-in's namespace PRODUCTIVE with the rest
of its name (PRODUCTIVE_SAVING is ``SAVING``; ``productive_xl.functions.ADD_IN_IDS``), so a
cell shows ``=PRODUCTIVE.SAVING(...)`` and a file stores ``_xldudf_PRODUCTIVE_SAVING(...)``,
which recalc reads as PRODUCTIVE_SAVING. Every
argument is of type ``any``, as in xlwings: the Python reads text, numbers and blanks itself
and gives the catalogue's errors. Each function asks for the address of its cell
(``requiresAddress``) to keep its error's message for "Explain error".
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Mapping
from typing import Any

from productive_xl.catalogue import CellFunction
from productive_xl.functions import ADD_IN_IDS, ADD_IN_NAMESPACE, CATALOGUE

NAMESPACE = ADD_IN_NAMESPACE
_RESULT_TYPES = {"float": "number", "str": "string"}
WORKBOOK_YEAR_ARGUMENT = "financial_year"


def addin_id(function: CellFunction) -> str:
    """The id and name under the namespace: PRODUCTIVE_SAVING -> SAVING (and PRODUCTIVE_FY ->
    FINANCIAL_YEAR, as Office's ids have at least three characters)."""
    return ADD_IN_IDS[function.excel_name]


def _result_type(function: CellFunction) -> str:
    annotation = inspect.signature(function.compute).return_annotation
    name = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
    return _RESULT_TYPES.get(name, "any")


def _parameter(function: CellFunction, index: int) -> dict[str, Any]:
    argument = function.arguments[index]
    return {
        "name": argument.name,
        "description": argument.help,
        "type": "any",
        "dimensionality": "matrix" if argument.takes_range else "scalar",
        "optional": not argument.required,
    }


def _function(function: CellFunction) -> dict[str, Any]:
    return {
        "id": addin_id(function),
        "name": addin_id(function),
        "description": function.description,
        # a table that spills (PRODUCTIVE_ROLLUP) is a matrix result: Office spills it as Excel's
        # dynamic arrays do
        "result": {
            "type": _result_type(function),
            "dimensionality": "matrix" if function.spills else "scalar",
        },
        "parameters": [_parameter(function, i) for i in range(len(function.arguments))],
        "options": {"requiresAddress": True},
    }


def functions_json(catalogue: Mapping[str, CellFunction] | None = None) -> str:
    """The text of ``functions.json`` for every function of ``catalogue`` (default all)."""
    functions = [_function(f) for f in (catalogue or CATALOGUE).values()]
    return json.dumps({"functions": functions}, indent=2, ensure_ascii=False) + "\n"


def script_settings(wheel: str, catalogue: Mapping[str, CellFunction] | None = None) -> str:
    """What functions.js needs of the catalogue, as a JavaScript object literal: the wheel's
    name, and for each id the Python name, the number of arguments and the place (from 1) of
    an optional financial_year, which a blank fills from the workbook's FinancialYear."""
    functions = {}
    for function in (catalogue or CATALOGUE).values():
        places = [
            i
            for i, a in enumerate(function.arguments, start=1)
            if a.name == WORKBOOK_YEAR_ARGUMENT and not a.required
        ]
        functions[addin_id(function)] = {
            "python": function.excel_name,
            "arguments": len(function.arguments),
            "workbookYear": places[0] if places else 0,
        }
    return json.dumps({"wheel": wheel, "functions": functions}, indent=2)
