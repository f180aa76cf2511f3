"""Every scan of a package's text takes time in proportion to the text (issue 9, point 2).

A regular expression that tries, at each of n places, a match that runs on to the end of the
text takes n squared steps: 40,000 ``<c `` in a comment of a 5 KB workbook kept recalc busy for
minutes, as did a formula holding a 300,000-character text. Here every regular expression of
productive_xl's modules is run over texts made of such repeats at two sizes, eight times apart:
a linear scan takes about eight times as long (a few milliseconds at most), a quadratic one
sixty-four times (seconds).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import time

import pytest

import productive_xl

# What makes a careless pattern run on: starts of the elements the scanners look for with no
# end in sight (as in a comment), long words, digits, quotes and brackets with no closing one.
_FILLERS = [
    "<c ",
    "<c>",
    '<c r="A1">',
    '<c r="A1"><f>',
    '<c r="A1" t="d"',
    "<c><f ",
    "<f ",
    "<f>",
    '<f t="array" ref="A1',
    '<f t="shared" ',
    "<row ",
    '<row r="1"',
    "<v>",
    "<sheet ",
    "<Relationship ",
    "<cellXfs ",
    "<definedName ",
    "<x:c ",
    '<a b="',
    ' r="1',
    ' t="',
    "a",
    "a(",
    "_xlfn.",
    "1",
    "A1:",
    "$A$1",
    "'",
    "''",
    '"',
    '""',
    "[",
    "[[",
    "{",
    "&",
    "&#",
    "_x00",
    "!",
    " ",
    "é",
]
# One tag or formula drawn out: a start tag of many spaces, a formula of one long word.
_DRAWN_OUT = [("<c", " ", ">"), ('<c r="A1"', " ", "/>"), ("<f", " ", ">"), ("<f>", "a", "</f>")]
_SMALL = 2_000  # repeats; the large text has eight times as many
_FLOOR = 0.3  # seconds: below it a scan is fast whatever the ratio (timings are noisy)
# Patterns only ever matched at the start of one token or value (match, fullmatch), never
# searched through a text: each is tried at one place, so they cannot take quadratic time.
_ANCHORED = {
    "productive_xl.headless.engine_copy_fixes._ISO",
    "productive_xl.headless.references._COLUMNS",
    "productive_xl.headless.references._ROWS",
    "productive_xl.headless.whole_references._WHOLE_COLUMNS",
    "productive_xl.headless.whole_references._WHOLE_ROWS",
}


def _patterns() -> list[tuple[str, re.Pattern[str] | re.Pattern[bytes]]]:
    found = []
    for module_info in pkgutil.walk_packages(productive_xl.__path__, "productive_xl."):
        if module_info.name.startswith("productive_xl.excel"):
            continue  # the live-Excel side reads no package
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            qualified = f"{module_info.name}.{name}"
            if isinstance(value, re.Pattern) and qualified not in _ANCHORED:
                found.append((qualified, value))
    return found


_PATTERNS = _patterns()


def _scan_time(
    pattern: re.Pattern[str] | re.Pattern[bytes], filler: tuple[str, str, str], repeats: int
) -> float:
    before, repeated, after = filler
    text: str | bytes = before + repeated * repeats + after
    if isinstance(pattern.pattern, bytes):
        text = text.encode()
    start = time.perf_counter()
    for _ in pattern.finditer(text):  # type: ignore[arg-type]
        pass
    return time.perf_counter() - start


def test_the_patterns_are_found() -> None:
    names = {name for name, _ in _PATTERNS}
    assert "productive_xl.ooxml.sheet_values._ELEMENT" in names
    assert "productive_xl.headless.formula_text._CALLED_IN_BYTES" in names
    assert len(names) > 40


@pytest.mark.parametrize(("name", "pattern"), _PATTERNS, ids=[name for name, _ in _PATTERNS])
def test_each_pattern_scans_in_linear_time(
    name: str, pattern: re.Pattern[str] | re.Pattern[bytes]
) -> None:
    slow = []
    for filler in [("", repeated, "") for repeated in _FILLERS] + _DRAWN_OUT:
        large = _scan_time(pattern, filler, 8 * _SMALL)
        if large < _FLOOR:
            continue
        small = _scan_time(pattern, filler, _SMALL)
        large = min(large, _scan_time(pattern, filler, 8 * _SMALL))
        if large > 24 * max(small, 1e-4):  # linear: about 8; quadratic: about 64
            slow.append(f"{filler!r}: {small:.3f} s -> {large:.3f} s")
    assert not slow, f"{name} is not linear over " + "; ".join(slow)
