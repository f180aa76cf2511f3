"""What a PRODUCTIVE_* cell function is, and the catalogue that registers one.

Registering gives each cell function everything its three callers need: xlwings serves it to
Excel (``@xw.func`` / ``@xw.arg`` with the help text), the VBA generator writes its wrapper and
``Application.MacroOptions`` help from the same names and text, and the headless engine looks it
up by its Excel name. The Excel name is the Python name in capitals.
"""

from __future__ import annotations

import functools
import inspect
import math
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from productive_xl.arguments import is_blank
from productive_xl.core.errors import ExcelError, InvalidValue, OutOfRange

CATEGORY = "Productive"

# xlwings' decorators do something only where Excel calls Python through them: desktop Excel on
# Windows, or xlwings Server. Elsewhere they are no-ops, and importing xlwings (a fifth of a second,
# more where numpy and pandas are installed, which it then imports) would cost recalc for nothing.
SERVE_WITH_XLWINGS = sys.platform.startswith("win") or os.environ.get("XLWINGS_ON_SERVER") == "true"

# Excel's Function Wizard shows at most 255 characters of a description or an argument's help.
WIZARD_TEXT_LIMIT = 255

_F = TypeVar("_F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Argument:
    """One argument of a cell function, as the Function Wizard shows it."""

    name: str
    help: str
    default: Any = inspect.Parameter.empty
    takes_range: bool = False  # reads a whole range (or array), not a single value

    @property
    def required(self) -> bool:
        return self.default is inspect.Parameter.empty

    @property
    def shown(self) -> str:
        """``name`` when required, ``[name=default]`` when optional, as the catalogue writes it."""
        if self.required:
            return self.name
        if self.default is None:
            return f"[{self.name}]"
        default = f'"{self.default}"' if isinstance(self.default, str) else f"{self.default:g}"
        return f"[{self.name}={default}]"


@dataclass(frozen=True)
class CellFunction:
    """A PRODUCTIVE_* function: its Excel name, its help and the Python that computes it."""

    excel_name: str
    python_name: str
    description: str
    arguments: tuple[Argument, ...]
    compute: Callable[..., Any]
    spills: bool = False  # returns a table (rows of values) that spills from its cell

    @property
    def signature(self) -> str:
        """``PRODUCTIVE_SAVING(baseline, current, unit_value, [periods=1], [confidence=1])``."""
        return f"{self.excel_name}({', '.join(a.shown for a in self.arguments)})"

    def __call__(self, *args: Any) -> Any:
        return self.compute(*args)


def _description(function: Callable[..., Any]) -> str:
    doc = inspect.getdoc(function) or ""
    return " ".join(doc.split("\n\n")[0].split())


def _checked_wizard_text(text: str, where: str) -> str:
    if not text or len(text) > WIZARD_TEXT_LIMIT:
        raise ValueError(f"{where}: help must be 1 to {WIZARD_TEXT_LIMIT} characters: {text!r}")
    return text


def _served_by_xlwings(
    function: Callable[..., Any], arguments: tuple[Argument, ...]
) -> Callable[..., Any]:
    """``function`` as an xlwings UDF: ``@xw.func`` and an ``@xw.arg`` with help per argument."""
    import xlwings as xw  # noqa: PLC0415 (only where it serves Excel: see SERVE_WITH_XLWINGS)

    served = function
    for argument in reversed(arguments):
        # err_to_str: an error in a precedent cell reaches Python as "#N/A" and is passed on,
        # instead of arriving as a blank that would quietly count as nothing.
        served = xw.arg(argument.name, doc=argument.help, err_to_str=True)(served)
    return xw.func(category=CATEGORY)(served)


class Catalogue(Mapping[str, CellFunction]):
    """Every cell function registered in it, by Excel name, in the order they were registered.

    ``productive_xl.functions`` holds the one catalogue that Excel, the VBA generator, the
    function reference and recalc all read; the catalogue itself knows none of the functions.
    """

    def __init__(self) -> None:
        self._functions: dict[str, CellFunction] = {}

    def __getitem__(self, excel_name: str) -> CellFunction:
        return self._functions[excel_name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._functions)

    def __len__(self) -> int:
        return len(self._functions)

    def cell_function(
        self, *, ranges: tuple[str, ...] = (), spills: bool = False, **argument_help: str
    ) -> Callable[[_F], _F]:
        """Register a Python function as the Excel function of the same name in capitals.

        ``argument_help`` gives one line of Function Wizard help per argument; ``ranges`` names
        the arguments that take a whole range or array rather than a single value; ``spills``
        says the function returns a table (a list of rows) that spills from its cell, as a
        dynamic array does in Excel 365. The registered
        function takes Excel's conventions: a blank optional argument means its default, and an
        ExcelError is told as coming from the function (``[#N/A] PRODUCTIVE_HOURLY_COST: ...``).
        Called from Python, it also takes its arguments by keyword, as its signature says.
        """

        def register(compute: _F) -> _F:
            excel_name = compute.__name__.upper()
            if excel_name in self._functions:
                raise ValueError(f"{excel_name} is registered already")
            signature = inspect.signature(compute)
            if set(argument_help) != set(signature.parameters):
                raise TypeError(f"{excel_name}: help is needed for exactly its arguments")
            arguments = tuple(
                Argument(
                    name,
                    _checked_wizard_text(argument_help[name], f"{excel_name}({name})"),
                    parameter.default,
                    takes_range=name in ranges,
                )
                for name, parameter in signature.parameters.items()
            )
            in_cell = _in_cell(compute, excel_name, signature, arguments)
            self._functions[excel_name] = CellFunction(
                excel_name=excel_name,
                python_name=compute.__name__,
                description=_checked_wizard_text(_description(compute), excel_name),
                arguments=arguments,
                compute=in_cell,
                spills=spills,
            )
            if SERVE_WITH_XLWINGS:
                return cast(_F, _served_by_xlwings(in_cell, arguments))
            return cast(_F, in_cell)

        return register


def _in_cell(
    compute: Callable[..., Any],
    excel_name: str,
    signature: inspect.Signature,
    arguments: tuple[Argument, ...],
) -> Callable[..., Any]:
    """``compute`` called as Excel calls it: blanks and omissions become defaults, errors are
    told as the function's own."""

    @functools.wraps(compute)
    def in_cell(*args: Any, **kwargs: Any) -> Any:
        if len(args) > len(arguments):
            # Excel passes what the user typed: one line in the cell, not a Python TypeError.
            raise InvalidValue(
                f"takes at most {len(arguments)} arguments, not {len(args)}"
            ).in_function(excel_name)
        given = list(args) + [inspect.Parameter.empty] * (len(arguments) - len(args))
        if kwargs:
            # Only Python callers name arguments (Excel passes them in order), so only they pay
            # for binding; their mistakes (an unknown keyword, an argument given twice) are a
            # TypeError, as for any Python function.
            named = signature.bind_partial(*args, **kwargs).arguments
            given = [named.get(a.name, inspect.Parameter.empty) for a in arguments]
        values = []
        for argument, value in zip(arguments, given, strict=True):
            if value is not inspect.Parameter.empty and not is_blank(value):
                values.append(value)
            elif argument.required:
                raise InvalidValue(f"{argument.name} is blank, and it is required").in_function(
                    excel_name
                )
            else:
                values.append(argument.default)
        try:
            return _finite_result(compute(*values))
        except ExcelError as error:
            raise error.in_function(excel_name) from None
        except OverflowError:
            raise _too_large().in_function(excel_name) from None

    return in_cell


def _too_large() -> OutOfRange:
    return OutOfRange("the result is too large for a number (beyond 1.8E+308)")


def _finite_result(result: Any) -> Any:
    """``result``, unless a number in it is infinite or not a number: Excel holds neither, and
    shows #NUM! for a calculation that overflows."""
    if isinstance(result, float) and not math.isfinite(result):
        raise _too_large()
    if isinstance(result, list | tuple):
        for item in result:
            _finite_result(item)
    return result
