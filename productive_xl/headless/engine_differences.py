"""Where IronCalc 0.9.1 evaluates a formula Excel would evaluate differently, found by reading
the formula's arguments (as the engine shows it) and the values they hold.

* Criteria functions (COUNTIF, SUMIFS...): the engine gives #VALUE! where a range is a single
  cell, and adds up the range a SUMIF or AVERAGEIF is given as it is where Excel gives it the
  shape of the criteria range. The engine's copy writes plain references in the form the engine
  reads as Excel does (:mod:`engine_copy`); what is left (a name for one cell, a reference to
  the row of a table, a range another shape) is found here. And a "not equal to a text"
  criteria (``"<>x"``) counts, in Excel, every cell not holding that text, blank and number
  cells too; the engine counts only text cells, so over a range holding any other it is wrong.
* Dates: the engine counts serial 1 as 31 December 1899 and has no 29 February 1900, where Excel
  counts serial 0 as "0 January 1900", 1 as 1 January 1900 and 60 as 29 February 1900; from
  serial 61 (1 March 1900) on the two agree. A date function reading a serial below 61 (a blank
  cell reads as 0) or making a date before March 1900 is evaluated differently.
"""

from __future__ import annotations

import datetime
import math
import re

from productive_xl.headless.engine_workbook import EngineWorkbook
from productive_xl.headless.formula_calls import (
    CRITERIA_FUNCTIONS,
    RESIZED_RANGE_FUNCTIONS,
    Call,
    calls,
    criteria_pairs,
    range_positions,
)
from productive_xl.headless.formula_text import string_value
from productive_xl.headless.ironcalc_model import read_value
from productive_xl.headless.references import MAX_COLUMN, MAX_ROW, Area, parse_area
from productive_xl.ooxml.cell_values import ErrorValue

# The first serial both count alike: 1 March 1900.
FIRST_SHARED_SERIAL = 61
_MARCH_1900 = datetime.date(1900, 3, 1)
_DAY_ZERO = datetime.date(1899, 12, 30)  # serial 0 in the calendar both share from serial 61
# The arguments (by position) of each date function that are read as date serials.
SERIAL_ARGUMENTS: dict[str, tuple[int, ...]] = {
    "YEAR": (0,),
    "MONTH": (0,),
    "DAY": (0,),
    "WEEKDAY": (0,),
    "WEEKNUM": (0,),
    "ISOWEEKNUM": (0,),
    "EDATE": (0,),
    "EOMONTH": (0,),
    "WORKDAY": (0,),
    "WORKDAY.INTL": (0,),
    "DAYS": (0, 1),
    "DAYS360": (0, 1),
    "DATEDIF": (0, 1),
    "YEARFRAC": (0, 1),
    "NETWORKDAYS": (0, 1),
    "NETWORKDAYS.INTL": (0, 1),
    "TEXT": (0,),
}
# The functions that make a date, and the arguments they make it of.
_MADE_FROM = {"DATE": (0, 1, 2), "EDATE": (0, 1), "EOMONTH": (0, 1)}
DATE_MAKERS = frozenset(_MADE_FROM)
# DATEVALUE reads a date written as text: one before March 1900 names a year up to 1900.
SERIAL_FUNCTIONS = frozenset(SERIAL_ARGUMENTS) | DATE_MAKERS | {"DATEVALUE"}
_EARLY_YEAR = re.compile(r"(?<!\d)(1[0-8]\d\d|1900)(?!\d)")
_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[Ee][+-]?\d+)?$")
_DATE_CODES = re.compile(r"[dmy]", re.IGNORECASE)
_FORMULA_WITHOUT_TEXT = re.compile(rb"<f\b[^<>]*/>")  # [^<>]: it cannot run past a tag


class _Unknown:
    """An argument whose value cannot be read without evaluating it (an expression)."""


UNKNOWN = _Unknown()


class _Text:
    """An argument that is a text (not a number written as one): Excel reads a date in it."""


TEXT = _Text()


def _text(text: str) -> _Text | None:
    """TEXT for a text that may be a date (it holds a digit: "2/2/1987", "1 May 2024"); None
    for one that cannot be ("", "n/a"), which gives #VALUE! in Excel and the engine alike."""
    return TEXT if any(ch.isdigit() for ch in text) else None


def _shape(area: Area) -> tuple[int, int]:
    return area.bottom - area.top, area.right - area.left


class EngineDifferences:
    """The checks for one workbook, on the formulas as the engine shows them."""

    def __init__(self, workbook: EngineWorkbook, used: set[str]):
        self.workbook = workbook
        self.criteria = CRITERIA_FUNCTIONS & used
        self.dates = set() if workbook.info.date_1904 else SERIAL_FUNCTIONS & used
        self.needed = bool(self.criteria or self.dates)
        # most formulas call none of these: a look for their names spares reading the others
        self._names = re.compile(
            "|".join(re.escape(n) for n in sorted(self.criteria | self.dates)) or "(?!)",
            re.IGNORECASE,
        )
        self._names_in_bytes = re.compile(self._names.pattern.encode(), re.IGNORECASE)

    def may_concern(self, cell_xml: bytes | None) -> bool:
        """Whether a cell, by its XML in the sheet, may call one of the functions looked at.

        A cell whose formula text is there and names none of them is passed over without
        asking the engine for its formula; one without (a shared formula's other cells, whose
        text is their first cell's) is looked at.
        """
        if not self.needed:
            return False
        if cell_xml is None or _FORMULA_WITHOUT_TEXT.search(cell_xml):
            return True
        return self._names_in_bytes.search(cell_xml) is not None

    def reason(self, sheet: str, row: int, column: int, formula: str) -> str | None:
        """Why the engine would evaluate ``formula`` (of the cell) unlike Excel; None if not."""
        if not self.needed or not self._names.search(formula):
            return None
        found = calls(formula, self.criteria | self.dates)
        for call in found:
            if call.name in CRITERIA_FUNCTIONS:
                reason = self._criteria(call, sheet, row, column, formula)
            else:
                reason = self._dates(call, sheet, row, column, formula)
            if reason:
                return reason
        return None

    def _errs(self, sheet: str, row: int, column: int) -> bool:
        """Whether the engine gives the cell an error value."""
        value = read_value(self.workbook.model, self.workbook.index(sheet), row, column)
        return isinstance(value, ErrorValue)

    def _criteria(self, call: Call, sheet: str, row: int, column: int, formula: str) -> str | None:
        areas: dict[int, Area | None] = {}
        for position in range_positions(call):
            text = call.argument(formula, position) or ""
            area = self.workbook.reference_area(text, sheet)
            areas[position] = area
            if area is None:
                # an expression: the engine reads OFFSET or INDIRECT as Excel does, but not a
                # single cell that IF or CHOOSE gives, and then gives #VALUE!
                if self._errs(sheet, row, column):
                    return (
                        f"gives {call.name} a range the formula engine may not read as Excel "
                        "does, and the engine gives an error"
                    )
                continue
            single = area.top == area.bottom and area.left == area.right
            written_as_range = parse_area(text, sheet) is not None and ":" in text
            if single and not written_as_range:
                return (
                    f"gives {call.name} a single cell ({text}) as a range, which the formula "
                    "engine cannot evaluate as Excel does"
                )
        if call.name in RESIZED_RANGE_FUNCTIONS and 2 in areas:
            criteria, cells = areas[0], areas[2]
            if criteria is None or cells is None or _shape(criteria) != _shape(cells):
                return (
                    f"gives {call.name} a range to add up of another size than its criteria "
                    "range, which the formula engine reads unlike Excel"
                )
        for range_position, criteria_position in criteria_pairs(call):
            wanted = call.argument(formula, criteria_position) or ""
            if self._not_equal_to_text(sheet, wanted) and self._holds_other_than_text(
                areas.get(range_position)
            ):
                return (
                    f"gives {call.name} the criteria {wanted} (not equal to a text) over blank "
                    "or number cells, which the formula engine does not count as Excel does"
                )
        return None

    def _not_equal_to_text(self, sheet: str, criteria: str) -> bool:
        """Whether ``criteria`` is, or may be, "<>" and a text: Excel counts every cell that
        does not hold that text, blank and number cells too; the engine only text cells."""
        shown: object = string_value(criteria)
        if shown is None:
            area = self.workbook.reference_area(criteria, sheet)
            if area is None:  # an expression: "<>"&B4 is what matters
                return '"<>' in criteria
            shown = self.workbook.read_area(area)
        if not isinstance(shown, str) or not shown.startswith("<>"):
            return False
        rest = shown[2:].strip()
        return bool(rest) and not _NUMBER.match(rest) and rest.upper() not in ("TRUE", "FALSE")

    def _holds_other_than_text(self, area: Area | None) -> bool:
        """Whether the range ``area`` holds a blank, a number or a truth value (True too when
        the range is not known)."""
        if area is None or area.bottom == MAX_ROW or area.right == MAX_COLUMN:
            return True  # a whole column or row has blank cells past its data
        values = self.workbook.read_area(area)
        rows = values if isinstance(values, list) else [[values]]
        return any(not isinstance(v, str) for row in rows for v in row)

    def _early_date_text(self, call: Call, sheet: str, row: int, column: int, formula: str) -> bool:
        """Whether DATEVALUE's text may be a date before March 1900 (it names a year up to
        1900), or is an expression and the engine gives an error."""
        text = call.argument(formula, 0) or ""
        shown: object = string_value(text)
        if shown is None:
            area = self.workbook.reference_area(text, sheet)
            if area is None:
                return self._errs(sheet, row, column)
            shown = self.workbook.read_area(area)
        return isinstance(shown, str) and bool(_EARLY_YEAR.search(shown))

    def _value(self, sheet: str, text: str | None) -> float | _Unknown | _Text | None:
        """The number an argument gives a date function: TEXT for a text that is not a number
        (Excel reads a date in it, the engine does not); None when it gives none (an error, a
        range); UNKNOWN when it is an expression."""
        if text is None or text == "":
            return 0.0  # an argument left out counts as 0
        if _NUMBER.match(text):
            return float(text)
        if text.upper() in ("TRUE", "FALSE"):
            return float(text.upper() == "TRUE")
        written = string_value(text)
        if written is not None:
            inner = written.strip()
            return float(inner) if _NUMBER.match(inner) else _text(inner)
        area = self.workbook.reference_area(text, sheet)
        if area is None:
            return UNKNOWN
        value = self.workbook.read_area(area)
        if value is None:
            return 0.0  # a blank cell reads as 0
        if isinstance(value, bool):
            return float(value)
        if isinstance(value, (int, float)):
            return float(value)
        if isinstance(value, str):
            return float(value) if _NUMBER.match(value.strip()) else _text(value)
        return None  # an error or a range: Excel gives an error too

    def _dates(self, call: Call, sheet: str, row: int, column: int, formula: str) -> str | None:
        early = (
            f"uses {call.name} on a date before 1 March 1900 (or a blank), where the formula "
            "engine's calendar differs from Excel's"
        )
        if call.name == "DATEVALUE":
            return early if self._early_date_text(call, sheet, row, column, formula) else None
        if call.name == "TEXT":
            shown = string_value(call.argument(formula, 1) or "")
            if shown is not None and not _DATE_CODES.search(shown):
                return None  # a number format, not a date one
        read = _MADE_FROM.get(call.name) or SERIAL_ARGUMENTS[call.name]
        values = {
            position: self._value(sheet, call.argument(formula, position))
            for position in read
            if position < max(len(call.arguments), 1)
        }
        if any(v is TEXT for v in values.values()):
            return (
                f"gives {call.name} a text where a date belongs, which Excel reads as a date "
                "and the formula engine does not"
            )
        if any(v is UNKNOWN for v in values.values()):
            if self._errs(sheet, row, column):
                return early
            return None
        numbers = {p: v for p, v in values.items() if isinstance(v, float)}
        for position in SERIAL_ARGUMENTS.get(call.name, ()):
            serial = numbers.get(position)
            if serial is not None and 0 <= serial < FIRST_SHARED_SERIAL:
                return early
        if call.name in DATE_MAKERS and not _after_february_1900(call.name, numbers):
            return early
        return None


def _after_february_1900(name: str, numbers: dict[int, float]) -> bool:
    """Whether the date DATE, EDATE or EOMONTH makes of ``numbers`` is on or after 1 March 1900
    (True too when the arguments give Excel no date, an error in both)."""
    try:
        if name == "DATE":
            year, month, day = (math.floor(numbers[p]) for p in (0, 1, 2))
            if 0 <= year < 1900:  # Excel reads a year below 1900 as that many years after 1900
                year += 1900
            if not 0 <= year < 10000:
                return True
        else:  # EDATE, EOMONTH: a start date and a number of months (its fraction dropped)
            start = numbers[0]
            if start < FIRST_SHARED_SERIAL:
                return False
            begun = _DAY_ZERO + datetime.timedelta(days=math.floor(start))
            year, month, day = begun.year, begun.month + math.trunc(numbers[1]), 1
        years, month_index = divmod(year * 12 + month - 1, 12)
        first = datetime.date(years, month_index + 1, 1) if years >= 1900 else None
        if first is None or first < _MARCH_1900:
            return False  # a month both count differently (Excel's has a 29 February)
        # from March 1900 on, both count a day as one serial: the day is counted from the first
        return (first - _DAY_ZERO).days + day - 1 >= FIRST_SHARED_SERIAL
    except KeyError:
        return True  # an argument left out: Excel gives an error
    except (OverflowError, ValueError):
        return False  # out of the calendar: cannot be sure both agree
