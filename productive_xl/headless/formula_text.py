"""The one reader of formula text: a formula lexed once into tokens, each with its place.

Every part of recalc that looks inside a formula (the calls of chosen functions and their
arguments, the PRODUCTIVE_* calls taken out, the cells a formula reads, the relative rows of a
formula filled down a column, structured references written out in full, the functions and names
the trust checks look for) reads it from :func:`scan`, so that what counts as text in quotes, a
sheet name, a reference or a name is decided in one place.

``=SUM('O''Brien'!A1:B2,-3%)`` gives, in order: ``=`` OPERATOR, ``SUM(`` FUNCTION,
``'O''Brien'!`` SHEET, ``A1:B2`` REFERENCE, ``,`` SEPARATOR, ``-`` PREFIX, ``3`` NUMBER, ``%``
POSTFIX, ``)`` CLOSE. The tokens cover the text without gap or overlap (their texts joined give
the formula back), and text the lexer cannot place is an OTHER token, so no formula is refused.

A formula is lexed once for all the formulas of its shape (its text with every digit "0"): the
formulas filled down a column share their tokens' kinds and places, and differ only in the
digits of their texts. Readers that work from places alone can keep what they work out by shape
too (:func:`shape`), as the calls' arguments and the rows that move are.

Choices made (those of the readers it replaced, unless said):

* a sheet prefix (``Sheet1!``, ``'My sheet'!``, ``Sheet1:Sheet3!``, ``[1]Sheet1!``, ``[1]!``) is
  a token of its own, ``!`` included, followed by the REFERENCE or NAME it qualifies;
* a REFERENCE is one to 3 letters and digits, a range of two such, a range of columns (``A:C``)
  or of rows (``1:3``), each part with ``$`` marks, and a ``#`` for a spilled range; the letters
  are not checked against the last column (``ZZZ1`` is a reference, as every reader here took
  it). ``R1C1``, ``A1B`` and ``LOG10`` followed by ``(`` are not references;
* a FUNCTION token is the function's name and its ``(``; the ``)`` that ends the call is a CLOSE
  token like the one that ends a parenthesis, so a reader keeps its own stack;
* an array constant ``{1,2;"a}",3}`` and a structured reference ``tbl[[#This Row],[Qty]]``
  (or ``[@Qty]``, ``[Qty]``) are one token each: nothing inside them separates arguments;
* ``+`` and ``-`` are PREFIX where no operand precedes them, ``@`` is always PREFIX, ``%`` always
  POSTFIX; white space between two references (``A1:B5 B2:C3``) is INTERSECTION.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from productive_xl.functions import ADD_IN_IDS, ADD_IN_NAMESPACE

STRING = "string"  # "text", with "" for a quote inside
SHEET = "sheet"  # a sheet prefix with its "!"
REFERENCE = "reference"  # A1, $A$1:B2, A:C, 1:3, A1#
NAME = "name"  # a defined name, a table's name alone, a word the lexer cannot tell apart
BOOLEAN = "boolean"  # TRUE, FALSE
FUNCTION = "function"  # a call's name and its "(": SUM(, _xlfn.XLOOKUP(
OPEN = "open"  # a parenthesis
CLOSE = "close"  # the end of a parenthesis or of a call
SEPARATOR = "separator"  # "," between arguments (or the union operator), ";" between rows
OPERATOR = "operator"  # an infix operator (":" included), and the "=" a formula may start with
PREFIX = "prefix"  # unary + and -, and the @ of implicit intersection
POSTFIX = "postfix"  # %
INTERSECTION = "intersection"  # white space between two references
NUMBER = "number"  # 12, 0.5, .5, 1E-3: its sign is a PREFIX
ERROR = "error"  # #N/A, #DIV/0!, #REF!...
ARRAY = "array"  # an array constant, braces and all
STRUCTURED = "structured"  # a structured reference, its table's name and brackets
WHITESPACE = "whitespace"
OTHER = "other"  # a character (or a quoted text with no "!") that has no place in a formula

# A word: a letter (of any script), "_" or "\", then letters, digits, "_" and ".".
_WORD = r"(?:[A-Za-z_\\]|[^\x00-\x7f])[\w.]*"
_SHEET_WORD = r"(?:[A-Za-z_]|[^\x00-\x7f])[\w.]*"
_CELL = r"\$?[A-Za-z]{1,3}\$?\d+"
_BRACKETED = r"\[(?:[^\[\]']|'.|\[(?:[^\[\]']|'.)*\])*\]"  # ' escapes [ ] # ' in a column name
_QUOTED = r"'[^']*(?:''[^']*)*'"

# The alternatives, most common first; a group's name is its token's kind, or in _KINDS.
_TOKEN = re.compile(
    "|".join(
        [
            # not a reference when a name, a call or a sheet prefix goes on: A1B, LOG10(, Q1!
            rf"(?P<{REFERENCE}>(?:{_CELL}(?::{_CELL})?#?"
            r"|\$?[A-Za-z]{1,3}:\$?[A-Za-z]{1,3}"
            r"|\$?\d+:\$?\d+)(?![\w.(\\!\[]|:[\w.]*!))",
            # a word, and what it turns out to be by what follows it
            rf"(?P<{NAME}>{_WORD})(?:(?P<{FUNCTION}>\()|(?P<{SHEET}>(?::{_SHEET_WORD})?!)"
            rf"|(?P<{STRUCTURED}>{_BRACKETED}))?",
            rf"(?P<{NUMBER}>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)",
            rf"(?P<{OPERATOR}><>|<=|>=|[-+*/^&=<>:@%])",
            rf"(?P<{SEPARATOR}>[,;])",
            rf"(?P<{OPEN}>\()",
            rf"(?P<{CLOSE}>\))",
            rf"(?P<{WHITESPACE}>[ \t\r\n]+)",
            rf'(?P<{STRING}>"[^"]*(?:""[^"]*)*"?)',
            rf"(?P<quoted_sheet>{_QUOTED}!)",
            rf"(?P<external_sheet>\[\d+\](?:{_SHEET_WORD}(?::{_SHEET_WORD})?)?!)",
            rf"(?P<table_less>{_BRACKETED})",
            rf"(?P<{ERROR}>#(?:[A-Za-z_/0-9]+[!?]|N/A|GETTING_DATA))",
            rf'(?P<{ARRAY}>\{{[^"}}]*(?:"[^"]*(?:""[^"]*)*"[^"}}]*)*\}}?)',
            rf"(?P<{OTHER}>{_QUOTED}|'[^']*(?:''[^']*)*|.)",
        ]
    ),
    re.DOTALL,
)
_KINDS = {
    **{kind: kind for kind in (REFERENCE, NAME, FUNCTION, SHEET, STRUCTURED, NUMBER, OPERATOR)},
    **{kind: kind for kind in (SEPARATOR, OPEN, CLOSE, WHITESPACE, STRING, ERROR, ARRAY, OTHER)},
    "quoted_sheet": SHEET,
    "external_sheet": SHEET,
    "table_less": STRUCTURED,
}

# What an operand ends with: after one, + and - are infix.
_OPERAND_ENDS = frozenset(
    {REFERENCE, NAME, BOOLEAN, NUMBER, STRING, ERROR, ARRAY, STRUCTURED, CLOSE, POSTFIX}
)
# White space between a reference's end and a reference's start intersects the two.
_REFERENCE_ENDS = frozenset({REFERENCE, NAME, STRUCTURED, CLOSE})
_REFERENCE_STARTS = frozenset({SHEET, REFERENCE, NAME, STRUCTURED, OPEN, FUNCTION})


_BOOLEANS = frozenset({"TRUE", "FALSE"})


class Token(NamedTuple):
    """One token: its kind, where it starts and ends in the formula, and its text."""

    kind: str
    start: int
    end: int
    text: str


_new_token = tuple.__new__  # a Token without the keyword handling of its constructor


def _lex(formula: str) -> tuple[Token, ...]:
    tokens: list[Token] = []
    previous: str | None = None  # the kind of the last token that is not white space
    spaced = False
    for match in _TOKEN.finditer(formula):
        kind = _KINDS[match.lastgroup]  # type: ignore[index]
        start, end = match.span()
        text = formula[start:end]
        if kind == NAME:
            if text.upper() in _BOOLEANS:
                kind = BOOLEAN
        elif kind == OPERATOR:
            if text == "%":
                kind = POSTFIX
            elif text == "@" or (text in "+-" and previous not in _OPERAND_ENDS):
                kind = PREFIX
        elif kind == WHITESPACE:
            spaced = True
            tokens.append(_new_token(Token, (kind, start, end, text)))
            continue
        tokens.append(_new_token(Token, (kind, start, end, text)))
        previous = kind
    if spaced:
        _mark_intersections(tokens)
    return tuple(tokens)


def _mark_intersections(tokens: list[Token]) -> None:
    for index, token in enumerate(tokens):
        if token.kind != WHITESPACE or index == 0 or index + 1 == len(tokens):
            continue
        # white space never follows white space: the tokens either side are significant
        if tokens[index - 1].kind in _REFERENCE_ENDS and tokens[index + 1].kind in (
            _REFERENCE_STARTS
        ):
            tokens[index] = token._replace(kind=INTERSECTION)


# A formula filled down a column differs from row to row only in its digits, and nothing here
# tells one digit from another (2 from 7, nor 20 from 70): so a formula is lexed once with each
# digit written "0" (its shape, of the same length), and the tokens of every formula of that
# shape stand at the same places.
_ZEROS = str.maketrans("123456789", "000000000")


@lru_cache(maxsize=4096)
def _places(shape: str) -> tuple[tuple[str, int, int], ...]:
    """The kind, start and end of each token of a formula's shape."""
    return tuple((kind, start, end) for kind, start, end, _ in _lex(shape))


def shape(formula: str) -> str:
    """The formula with each digit written "0": the formulas of one shape have their tokens at
    the same places, so what a reader works out from places alone holds for all of them."""
    return formula.translate(_ZEROS)


def reference_places(formula: str) -> tuple[tuple[int, int], ...]:
    """The start and end of each cell reference (REFERENCE token) of ``formula``: worked out
    once for all the formulas of its shape."""
    return _reference_places(formula.translate(_ZEROS))


@lru_cache(maxsize=4096)
def _reference_places(shape: str) -> tuple[tuple[int, int], ...]:
    return tuple((start, end) for kind, start, end in _places(shape) if kind == REFERENCE)


@lru_cache(maxsize=1024)
def scan(formula: str) -> tuple[Token, ...]:
    """The tokens of ``formula`` (with its leading "=" or without), in order.

    Kept for the formulas last scanned (a formula is read by several checks), and lexed once
    for all the formulas of one shape (a formula filled down a column).
    """
    return tuple(
        [
            _new_token(Token, (kind, start, end, formula[start:end]))
            for kind, start, end in _places(formula.translate(_ZEROS))
        ]
    )


def significant(tokens: tuple[Token, ...]) -> tuple[Token, ...]:
    """``tokens`` without white space (intersections kept)."""
    return tuple(token for token in tokens if token.kind != WHITESPACE)


def plain_reference(text: str) -> tuple[Token | None, Token] | None:
    """The sheet prefix (or None) and the REFERENCE of ``text`` when it is a reference and nothing
    else, white space aside (``'My sheet'!$A$1:B2``); None for anything else."""
    tokens = significant(scan(text))
    if len(tokens) == 1 and tokens[0].kind == REFERENCE:
        return None, tokens[0]
    if len(tokens) == 2 and tokens[0].kind == SHEET and tokens[1].kind == REFERENCE:
        return tokens[0], tokens[1]
    return None


def string_value(text: str) -> str | None:
    """What a text written in quotes stands for (``"a""b"`` -> ``a"b``) when ``text`` is that and
    nothing else, white space aside; None for anything else."""
    tokens = significant(scan(text))
    if len(tokens) != 1 or tokens[0].kind != STRING:
        return None
    written = tokens[0].text
    if len(written) < 2 or written[-1] != '"':
        return None  # a quote left open
    return written[1:-1].replace('""', '"')


_PREFIXES = re.compile(r"(?:_xl\w+\.)+")
# before an Office add-in's custom function (headless/productive_calls.py says where from)
_CUSTOM_FUNCTION = "_xldudf_"
_ADD_IN_NAMES = {f"{ADD_IN_NAMESPACE}_{id_}": name for name, id_ in ADD_IN_IDS.items()}


def add_in_function(name: str) -> str:
    """The catalogue's name of the add-in function a file stores as ``_xldudf_`` and ``name``
    (in capitals): PRODUCTIVE_SAVING as it is, PRODUCTIVE_FINANCIAL_YEAR -> PRODUCTIVE_FY; the
    name of another add-in's function as it is."""
    return _ADD_IN_NAMES.get(name, name)


def function_name(text: str) -> str:
    """The name a FUNCTION token's text (``_xlfn.XLOOKUP(``) calls, in capitals, without the
    ``_xlfn.``, ``_xlws.`` or ``_xludf.`` prefixes that files write before newer and add-in
    functions, or the ``_xldudf_`` of an Office add-in's custom function."""
    name = text[:-1]
    if name[:3].lower() == "_xl":
        prefixes = _PREFIXES.match(name)
        if prefixes:
            name = name[prefixes.end() :]
        elif name[: len(_CUSTOM_FUNCTION)].lower() == _CUSTOM_FUNCTION:
            return add_in_function(name[len(_CUSTOM_FUNCTION) :].upper())
    return name.upper()


def sheet_name(token: Token) -> str:
    """The sheet a SHEET token names, as the workbook spells it: ``'O''Brien'!`` -> O'Brien."""
    text = token.text[:-1]
    return text[1:-1].replace("''", "'") if text.startswith("'") else text


def is_external(token: Token) -> bool:
    """Whether a token refers to another workbook: ``[1]Sheet1!``, ``'[Book.xlsx]Sheet'!``, or a
    workbook's number standing alone (``[1]``)."""
    if token.kind == SHEET:
        return token.text.startswith(("[", "'["))
    return token.kind == STRUCTURED and token.text[1:-1].isdigit() and token.text[0] == "["


def structured_parts(token: Token) -> tuple[str, str]:
    """A STRUCTURED token's table name ("" when it has none) and what its outer brackets hold:
    ``tbl[[#This Row],[Qty]]`` -> ("tbl", "[#This Row],[Qty]")."""
    bracket = token.text.index("[")
    return token.text[:bracket], token.text[bracket + 1 : -1]


def is_rows(token: Token) -> bool:
    """Whether a REFERENCE is a range of whole rows (``2:2``, ``$1:$3``)."""
    return token.text.lstrip("$")[:1].isdigit()


_RELATIVE_ROW = re.compile(r"[A-Za-z](\d+)")


def relative_rows(token: Token) -> list[tuple[int, int]]:
    """Where (start, end in the formula) the row numbers of a REFERENCE are written without
    ``$``, which move when the formula is filled down: both of ``A2:B7``, none of ``A$2``."""
    return [
        (token.start + match.start(1), token.start + match.end(1))
        for match in _RELATIVE_ROW.finditer(token.text)
    ]


# For a whole part's formulas at once, where lexing each would cost more than the answer is
# worth: every word followed by "(" (in text too, so it may name more than the formulas call).
# A name is looked for only where a word starts: tried at each letter of a long word (a text
# of 300,000 letters), each try would read on to the word's end.
_CALLED_IN_BYTES = re.compile(
    rb"(?<![\w.\x80-\xff])((?:[A-Za-z_\\]|[\x80-\xff])[\w.\x80-\xff]*+)\("
)


def called_names(texts: bytes) -> set[str]:
    """The names of the functions that formula texts (UTF-8, any number of them) may call, as
    :func:`function_name` gives them; a name in quoted text counts too."""
    return {
        function_name(name.decode("utf-8", "replace") + "(")
        for name in set(_CALLED_IN_BYTES.findall(texts))
    }
