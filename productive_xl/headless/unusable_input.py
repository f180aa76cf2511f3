"""The errors that a damaged or hostile workbook raises from the libraries that read it, each
told as what is wrong with the file.

The package reader refuses what it can see at once (:class:`UnusableWorkbook`); whatever it
lets through may still fail deeper in: a member whose deflate stream is corrupt (``zlib``),
text that is not UTF-8, XML that does not parse (lxml), an attribute that is no number, a part
the formula engine refuses or panics on. Those are the file's fault, not the user's or ours,
and become :class:`UnusableWorkbook` here, so that they are reported as one line, exit 4.
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

import ironcalc
from lxml import etree

from productive_xl.ooxml.package import UnusableWorkbook


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def input_problem(error: BaseException) -> str | None:
    """What ``error`` says is wrong with the workbook it was raised on; None when it is not an
    error a damaged file raises."""
    detail = _one_line(str(error))
    if isinstance(error, zlib.error | zipfile.BadZipFile | EOFError):
        return f"is damaged: a compressed part does not decompress ({detail})"
    if isinstance(error, UnicodeError):
        return f"holds text that is not valid UTF-8 or UTF-16 ({detail})"
    if isinstance(error, LookupError) and "encoding" in str(error):
        return f"holds XML that declares an encoding there is none of ({detail})"
    if isinstance(error, etree.XMLSyntaxError):
        return f"holds XML that does not parse ({detail})"
    if isinstance(error, ironcalc.WorkbookError):
        return f"is refused by the formula engine ({detail})"
    if type(error).__name__ == "PanicException":  # pyo3's, not importable by a stable name
        return f"makes the formula engine fail ({detail})"
    if isinstance(error, RecursionError):
        return "is nested too deeply to read (a formula or XML element inside thousands of others)"
    if isinstance(error, OverflowError):
        return f"holds a number too large to use ({detail})"
    if isinstance(error, ValueError):
        # int("abc") for a row number, a cell reference out of range, an unknown enumeration
        return f"holds a value that is out of range or malformed ({detail})"
    return None


def as_unusable(path: Path, error: BaseException) -> UnusableWorkbook | None:
    """``error`` as :class:`UnusableWorkbook` naming ``path``, when a damaged file raises it."""
    if isinstance(error, UnusableWorkbook):
        return error
    problem = input_problem(error)
    return UnusableWorkbook(path, problem) if problem is not None else None
