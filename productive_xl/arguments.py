"""Turn what a cell passes to a function into Python values, or a clear Excel error.

Excel hands a function numbers, text, booleans, dates (as datetimes through xlwings, as serial
numbers from an expression), blanks (None) and error values (their text, e.g. "#N/A", because the
cell functions ask xlwings for ``err_to_str``); a range arrives as a list of rows. Every converter
names the argument it reads so that the message tells the accountant which input to fix.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

from productive_xl.core.errors import EXCEL_ERROR_CODES, ExcelError, InvalidValue, OutOfRange

# Day 1 of each date system; in the 1900 system Excel counts a 29 February 1900 that never was
# (serial 60), so serials from 61 on are one day ahead of a plain count.
_EPOCH_1900 = date(1899, 12, 31)
_EPOCH_1904 = date(1904, 1, 1)
_FICTITIOUS_LEAP_DAY = 60
_LAST_SERIAL_1900 = 2958465  # 31 December 9999
_LAST_SERIAL_1904 = _LAST_SERIAL_1900 - 1462


def is_blank(value: Any) -> bool:
    """An empty cell (None) or an empty text, which optional arguments read as "use the default"."""
    return value is None or value == ""


def raise_if_error(value: Any, name: str) -> None:
    """Pass an error value on, as Excel's own functions do: #N/A in gives #N/A out."""
    if isinstance(value, ExcelError):
        raise type(value)(f"{name} is {value.code} ({value})", code=value.code)
    if isinstance(value, str) and value in EXCEL_ERROR_CODES:
        raise ExcelError(f"{name} is the error {value}", code=value)


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the logical value {str(value).upper()}"
    if isinstance(value, datetime | date):
        return f"the date {value:%d/%m/%Y}"
    if isinstance(value, str):
        return f"the text {value!r}"
    return repr(value)


def number(value: Any, name: str) -> float:
    """A number; text, logical values, dates and blanks are #VALUE!."""
    raise_if_error(value, name)
    if is_blank(value):
        raise InvalidValue(f"{name} is blank, and a number is required")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidValue(f"{name} is {_describe(value)}, where a number belongs")
    return float(value)


def text(value: Any, name: str) -> str:
    """A text; anything else is #VALUE!."""
    raise_if_error(value, name)
    if is_blank(value):
        raise InvalidValue(f"{name} is blank, and a text is required")
    if not isinstance(value, str):
        raise InvalidValue(f"{name} is {_describe(value)}, where a text belongs")
    return value


def text_or_number(value: Any, name: str) -> str | float:
    """A text or a number, for arguments that take either (a band, or a status or confidence)."""
    raise_if_error(value, name)
    if isinstance(value, str) and not is_blank(value):
        return value
    return number(value, name)


def excel_date(value: Any, name: str, *, date_1904: bool = False) -> date:
    """A date from a datetime, a date or an Excel serial number (the time of day is dropped)."""
    raise_if_error(value, name)
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if is_blank(value):
        raise InvalidValue(f"{name} is blank, and a date is required")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidValue(f"{name} is {_describe(value)}, where a date belongs")
    return date_from_serial(float(value), name, date_1904=date_1904)


def date_from_serial(serial: float, name: str, *, date_1904: bool = False) -> date:
    """The date an Excel serial number stands for in the workbook's date system."""
    day = int(serial // 1)
    if date_1904:
        if not 0 <= day <= _LAST_SERIAL_1904:
            raise OutOfRange(f"{name} {serial:g} is not a date serial of the 1904 date system")
        return _EPOCH_1904 + timedelta(days=day)
    if not 1 <= day <= _LAST_SERIAL_1900 or day == _FICTITIOUS_LEAP_DAY:
        raise OutOfRange(f"{name} {serial:g} is not a date serial Excel can show")
    return _EPOCH_1900 + timedelta(days=day if day < _FICTITIOUS_LEAP_DAY else day - 1)


def serial_from_date(day: date, *, date_1904: bool = False) -> float:
    """The Excel serial number of ``day`` in the workbook's date system."""
    if date_1904:
        return float((day - _EPOCH_1904).days)
    count = (day - _EPOCH_1900).days
    return float(count if count < _FICTITIOUS_LEAP_DAY else count + 1)


def _cells(value: Any) -> Iterator[Any]:
    if isinstance(value, list | tuple):
        for item in value:
            yield from _cells(item)
    else:
        yield value


def numbers_in(value: Any, name: str) -> list[float]:
    """The numbers of a range, row by row; a blank cell counts as 0 so no period is skipped."""
    if not isinstance(value, list | tuple):
        return [number(value, name)]
    return [
        0.0 if is_blank(cell) else number(cell, f"{name} (cell {position} of the range)")
        for position, cell in enumerate(_cells(value), start=1)
    ]
