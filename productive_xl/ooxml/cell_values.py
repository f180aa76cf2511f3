"""Cached cell values as a worksheet part stores them: ``<c t="..."><v>...</v></c>``."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorValue:
    """An Excel error value such as ``#N/A``, kept apart from text that merely reads "#N/A"."""

    code: str

    def __str__(self) -> str:
        return self.code


CellValue = float | str | bool | ErrorValue

_COLUMN = re.compile(r"([A-Za-z]{1,3})(\d+)$")
# Characters XML 1.0 cannot carry, and the carriage return, which XML readers turn into a line
# feed: Excel writes each as _xHHHH_ (a CR as _x000D_).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff]")
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


def cell_position(reference: str) -> tuple[int, int]:
    """(row, column), both from 1, of a reference like "AB12"."""
    match = _COLUMN.match(reference.replace("$", ""))
    if not match:
        raise ValueError(f"{reference!r} is not a cell reference")
    column = 0
    for letter in match.group(1).upper():
        column = column * 26 + ord(letter) - 64
    return int(match.group(2)), column


def column_letters(column: int) -> str:
    """ "A" for 1, "AB" for 28."""
    letters = ""
    while column:
        column, remainder = divmod(column - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def cell_reference(row: int, column: int) -> str:
    return f"{column_letters(column)}{row}"


def format_number(value: float) -> str:
    """A number as Excel writes it in ``<v>``: whole numbers without ".0", others round-trip."""
    if value == 0:
        return "0"  # also for -0.0, which Excel does not keep
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    text = repr(value)
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    return f"{mantissa}E{int(exponent):+d}"


_REFERENCE = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|lt|gt|amp|quot|apos);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


def _referenced(match: re.Match[str]) -> str:
    name = match.group(1)
    if name.startswith("#x"):
        return chr(int(name[2:], 16))
    if name.startswith("#"):
        return chr(int(name[1:]))
    return _NAMED[name]


def xml_escape(text: str) -> str:
    """Element text with the characters XML reserves there written as entity references."""
    # what html.escape(text, quote=False) does, without importing html (its entity table is
    # a few milliseconds of every recalc's start)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def xml_unescape(text: str) -> str:
    """Element text with XML's entity and character references resolved (in one pass)."""
    return _REFERENCE.sub(_referenced, text)


def unescape_excel(text: str) -> str:
    """Cell text with Excel's ``_xHHHH_`` escapes turned back into the characters they stand for."""
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text)


def _unescape_text(text: str) -> str:
    return unescape_excel(xml_unescape(text))


def excel_escaped(text: str) -> str:
    """Cell text with the characters XML cannot hold written as Excel does (``_xHHHH_``)."""
    text = _ESCAPED.sub(lambda m: f"_x005F{m.group(0)}", text)
    return _UNSAFE.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)


def escape_text(text: str) -> str:
    """Text for a ``<v>`` element, with characters XML cannot hold written as Excel does."""
    return xml_escape(excel_escaped(text))


def stored_value(cell_type: str | None, text: str | None) -> CellValue | None:
    """The value a formula cell's cached ``t`` and ``<v>`` stand for (None when there is none)."""
    if text is None:
        return None
    if cell_type in (None, "n"):
        try:
            return float(text) if text else None
        except ValueError:
            return None
    if cell_type == "b":
        return text.strip() == "1"
    if cell_type == "e":
        return ErrorValue(text)
    return _unescape_text(text)


def encoded_value(value: CellValue) -> tuple[str | None, str]:
    """The ``t`` attribute (None for a number) and ``<v>`` text that store ``value``."""
    if isinstance(value, bool):
        return "b", "1" if value else "0"
    if isinstance(value, ErrorValue):
        return "e", value.code
    if isinstance(value, str):
        return "str", escape_text(value)
    if not math.isfinite(value):
        return "e", "#NUM!"
    return None, format_number(value)


def same_value(stored: CellValue | None, new: CellValue) -> bool:
    """Whether ``stored`` already says ``new``: then the cell's bytes are left as they were."""
    return type(new) is type(stored) and new == stored
