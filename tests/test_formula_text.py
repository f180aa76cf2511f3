"""The formula-text scanner, on formulas written by hand: each expected token list is worked out
from Excel's formula grammar, not from what the scanner gives. Then the readers built on it
(calls and their arguments, the areas read, the PRODUCTIVE_* calls taken out, the rows that move
in a formula filled down) on the same kinds of text.
"""

from __future__ import annotations

import itertools

import pytest

from productive_xl.headless.formula_calls import calls
from productive_xl.headless.formula_text import (
    ARRAY,
    BOOLEAN,
    CLOSE,
    ERROR,
    FUNCTION,
    INTERSECTION,
    NAME,
    NUMBER,
    OPEN,
    OPERATOR,
    OTHER,
    POSTFIX,
    PREFIX,
    REFERENCE,
    SEPARATOR,
    SHEET,
    STRING,
    STRUCTURED,
    WHITESPACE,
    _lex,
    called_names,
    function_name,
    is_external,
    is_rows,
    plain_reference,
    relative_rows,
    scan,
    sheet_name,
    string_value,
    structured_parts,
)
from productive_xl.headless.productive_calls import extract_calls
from productive_xl.headless.references import Area, formula_areas
from productive_xl.headless.shared_formulas import _template


def tokens(formula: str) -> list[tuple[str, str]]:
    """The kind and text of each token that is not white space."""
    return [(t.kind, t.text) for t in scan(formula) if t.kind != WHITESPACE]


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        # text holding parentheses, commas and a doubled quote is one token
        (
            '=LEN("a""b(,)")',
            [(OPERATOR, "="), (FUNCTION, "LEN("), (STRING, '"a""b(,)"'), (CLOSE, ")")],
        ),
        # a quoted sheet name with a space and an apostrophe, then the cell it qualifies
        ("'O''Brien'!A1", [(SHEET, "'O''Brien'!"), (REFERENCE, "A1")]),
        ("'Plan, 2025'!$B$4:C9", [(SHEET, "'Plan, 2025'!"), (REFERENCE, "$B$4:C9")]),
        # a 3-D reference: the sheets' range is the prefix
        (
            "SUM(Sheet1:Sheet3!A1)",
            [(FUNCTION, "SUM("), (SHEET, "Sheet1:Sheet3!"), (REFERENCE, "A1"), (CLOSE, ")")],
        ),
        # sheet names that look like cells are still sheet names
        (
            "Q1!A2+Q1:Q4!B2",
            [
                (SHEET, "Q1!"),
                (REFERENCE, "A2"),
                (OPERATOR, "+"),
                (SHEET, "Q1:Q4!"),
                (REFERENCE, "B2"),
            ],
        ),
        # whole columns and rows, with and without $
        (
            "A:A+$B:$C+1:1+$2:$5",
            [
                (REFERENCE, "A:A"),
                (OPERATOR, "+"),
                (REFERENCE, "$B:$C"),
                (OPERATOR, "+"),
                (REFERENCE, "1:1"),
                (OPERATOR, "+"),
                (REFERENCE, "$2:$5"),
            ],
        ),
        # R1C1, a word with digits inside, a four-letter word with digits: names, not cells;
        # LOG10 followed by "(" is a function
        (
            "R1C1+A1B+ABCD1+LOG10(A1)",
            [
                (NAME, "R1C1"),
                (OPERATOR, "+"),
                (NAME, "A1B"),
                (OPERATOR, "+"),
                (NAME, "ABCD1"),
                (OPERATOR, "+"),
                (FUNCTION, "LOG10("),
                (REFERENCE, "A1"),
                (CLOSE, ")"),
            ],
        ),
        # structured references with specifiers, the @ shorthand, no table name, and an
        # apostrophe escaping a bracket in a column's name
        (
            "tbl[[#This Row],[Qty]]*[@Price]+SUM([Col])+t['[x']]",
            [
                (STRUCTURED, "tbl[[#This Row],[Qty]]"),
                (OPERATOR, "*"),
                (STRUCTURED, "[@Price]"),
                (OPERATOR, "+"),
                (FUNCTION, "SUM("),
                (STRUCTURED, "[Col]"),
                (CLOSE, ")"),
                (OPERATOR, "+"),
                (STRUCTURED, "t['[x']]"),
            ],
        ),
        # error literals, TRUE and FALSE
        (
            "IF(#N/A,#DIV/0!,#REF!)&#NAME?&TRUE&false",
            [
                (FUNCTION, "IF("),
                (ERROR, "#N/A"),
                (SEPARATOR, ","),
                (ERROR, "#DIV/0!"),
                (SEPARATOR, ","),
                (ERROR, "#REF!"),
                (CLOSE, ")"),
                (OPERATOR, "&"),
                (ERROR, "#NAME?"),
                (OPERATOR, "&"),
                (BOOLEAN, "TRUE"),
                (OPERATOR, "&"),
                (BOOLEAN, "false"),
            ],
        ),
        # array constants, with a brace, a comma and a semicolon inside text
        (
            'MATCH(1,{1,2;3,"};,"},0)',
            [
                (FUNCTION, "MATCH("),
                (NUMBER, "1"),
                (SEPARATOR, ","),
                (ARRAY, '{1,2;3,"};,"}'),
                (SEPARATOR, ","),
                (NUMBER, "0"),
                (CLOSE, ")"),
            ],
        ),
        # unary minus (after an operator, a "(" or a ","), infix minus, percent, E notation
        (
            "=-A1--2%*(-.5E-3)-1",
            [
                (OPERATOR, "="),
                (PREFIX, "-"),
                (REFERENCE, "A1"),
                (OPERATOR, "-"),
                (PREFIX, "-"),
                (NUMBER, "2"),
                (POSTFIX, "%"),
                (OPERATOR, "*"),
                (OPEN, "("),
                (PREFIX, "-"),
                (NUMBER, ".5E-3"),
                (CLOSE, ")"),
                (OPERATOR, "-"),
                (NUMBER, "1"),
            ],
        ),
        # _xlfn. and _xlws. prefixes stay in the token; a spilled range; implicit intersection
        (
            "_xlfn._xlws.SORT(A1#)+@B:B",
            [
                (FUNCTION, "_xlfn._xlws.SORT("),
                (REFERENCE, "A1#"),
                (CLOSE, ")"),
                (OPERATOR, "+"),
                (PREFIX, "@"),
                (REFERENCE, "B:B"),
            ],
        ),
        # comparison operators of two characters
        ("A1<>B1", [(REFERENCE, "A1"), (OPERATOR, "<>"), (REFERENCE, "B1")]),
        # references to another workbook
        (
            "[1]Sheet1!A1+[2]!Rate",
            [
                (SHEET, "[1]Sheet1!"),
                (REFERENCE, "A1"),
                (OPERATOR, "+"),
                (SHEET, "[2]!"),
                (NAME, "Rate"),
            ],
        ),
        # what is no formula is OTHER, never an exception: a quote left open swallows the rest
        ("A1+'x", [(REFERENCE, "A1"), (OPERATOR, "+"), (OTHER, "'x")]),
        ('"open', [(STRING, '"open')]),
    ],
)
def test_formulas_are_lexed_into_the_tokens_of_excels_grammar(
    formula: str, expected: list[tuple[str, str]]
) -> None:
    assert tokens(formula) == expected


def test_a_space_between_two_references_is_the_intersection_operator() -> None:
    assert [t.kind for t in scan("=A1:B5 B2:C3")] == [OPERATOR, REFERENCE, INTERSECTION, REFERENCE]
    assert [t.kind for t in scan("=SUM(A:A 2:2)")][2:5] == [REFERENCE, INTERSECTION, REFERENCE]
    # around an operator, after a number or before a ")" it is only white space
    assert INTERSECTION not in {t.kind for t in scan("=A1 + B1")}
    assert INTERSECTION not in {t.kind for t in scan("=SUM(1 ,A1 )")}


@pytest.mark.parametrize(
    "formula",
    [
        "=SUM('O''Brien'!A1:B2,-3%)",
        "IF(x,SUMIFS(tbl[[#This Row],[A]],{1,2},\"a,b\",'S,1'!A1),0)",
        "=A1:B5 B2:C3 \n+ 1",
        "=été+Données!A1",
        "unbalanced((]}'",
    ],
)
def test_the_tokens_cover_the_formula_in_order(formula: str) -> None:
    found = scan(formula)
    assert "".join(t.text for t in found) == formula
    assert all(t.text == formula[t.start : t.end] for t in found)
    assert [t.start for t in found[1:]] == [t.end for t in found[:-1]]


def test_a_formula_filled_down_is_read_as_if_lexed_on_its_own() -> None:
    # the shape (each run of digits as "0") is lexed once; each row's digits are put back
    for row, number in itertools.product((2, 10, 123456), ("1", "0.25", "1E5")):
        formula = f'=LOG10(A{row})*{number}+R{row}C1+Q1!B{row}+"{row}"&#DIV/0!&[{row}]x!A1'
        fresh = _lex(formula)  # lexed as it stands, digits and all
        assert scan(formula) == fresh
        assert "".join(t.text for t in fresh) == formula


def test_helpers_read_the_parts_of_tokens() -> None:
    assert function_name("_xlfn.NETWORKDAYS.INTL(") == "NETWORKDAYS.INTL"
    assert function_name("_xludf.MYUDF(") == "MYUDF"
    assert sheet_name(scan("'O''Brien'!A1")[0]) == "O'Brien"
    assert is_external(scan("[1]Sheet1!A1")[0])
    assert is_external(scan("'[Book 1.xlsx]Plan'!A1")[0])
    assert not is_external(scan("Plan!A1")[0])
    assert structured_parts(scan("tbl[[#This Row],[Qty]]")[0]) == ("tbl", "[#This Row],[Qty]")
    assert structured_parts(scan("[@Qty]")[0]) == ("", "@Qty")
    assert is_rows(scan("$2:$5")[0])
    assert not is_rows(scan("A2:B5")[0])
    reference = scan("=$A2:B$7+C9")[1]
    assert [reference.text[s - 1 : e - 1] for s, e in relative_rows(reference)] == ["2"]
    assert plain_reference(" 'S 1'!A1 ") is not None
    assert plain_reference("A1+1") is None
    assert string_value('"a""b"') == 'a"b'
    assert string_value('"a"&"b"') is None
    assert called_names(b'SUM(A1)\n_xlfn.XLOOKUP(1,B:B,C:C)+LEN("x")') == {"SUM", "XLOOKUP", "LEN"}


def test_calls_are_found_nested_and_in_order() -> None:
    formula = '=SUMIF(A1:A3,"(,)",SUMIF(B1:B3,">1"))+sumif(C1,1)'
    found = calls(formula, {"SUMIF"})
    assert [c.name for c in found] == ["SUMIF", "SUMIF", "SUMIF"]
    assert [found[0].argument(formula, p) for p in range(3)] == [
        "A1:A3",
        '"(,)"',
        'SUMIF(B1:B3,">1")',
    ]
    assert found[1].argument(formula, 1) == '">1"'
    assert found[2].argument(formula, 0) == "C1"
    # a union in parentheses is one argument; text naming the function is not a call
    (union,) = calls('=COUNTIF((A1,B1),"COUNTIF(")', {"COUNTIF"})
    assert len(union.arguments) == 2


def test_areas_read_skip_text_and_follow_names_and_sheets() -> None:
    areas = formula_areas(
        "=SUM(Sheet1:Sheet3!A1)+'O''Brien'!B2:C3+Rate+\"Z9\"+R1C1+[1]Plan!A1", "Here", {}
    )
    assert areas == [
        Area("sheet1", 1, 1, 1, 1),
        Area("sheet3", 1, 1, 1, 1),
        Area("o'brien", 2, 2, 3, 3),
    ]  # none for the text, R1C1 (a name not defined) or the cell of another workbook
    rate = [Area("inputs", 3, 2, 3, 2)]
    assert formula_areas("=A:A*Rate", "Here", {"rate": rate}) == [
        Area("here", 1, 1, 1_048_576, 1),
        *rate,
    ]


def test_productive_calls_are_taken_out_with_their_arguments_as_written() -> None:
    rows = itertools.count(1)
    formula = '=ROUND(PRODUCTIVE_SAVING(-5%, "a,b)", PRODUCTIVE_WTE(A2), Rate, tbl[Q])*2,0)'
    rewritten, found = extract_calls(formula, "O'Brien", lambda: next(rows), {"rate": "=$C$1"})
    assert rewritten == "=ROUND('_productive_xl'!$A$2*2,0)"
    inner, outer = found
    assert inner.function == "PRODUCTIVE_WTE"
    assert [a.text for a in inner.arguments] == ["'O''Brien'!A2"]
    assert [(a.text.strip(), a.is_reference, a.number) for a in outer.arguments] == [
        ("-5%", False, -0.05),
        ('"a,b)"', False, None),
        ("'_productive_xl'!$A$1", True, None),
        ("=$C$1", True, None),  # a name local to the sheet, written out
        ("tbl[Q]", True, None),
    ]


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        # rows move; absolute rows, rows in text and sheet names like cells do not
        (b'A2*$B$2+C$2+"D2"&amp;Q1!E2', (b'A%d*$B$2+C$2+"D2"&amp;Q1!E%d', (0, 0))),
        # entities before and after a row, and a percent, are kept as written
        (b"IF(A3&gt;5%,B2,&quot;x&quot;)", None),  # a quote written as an entity
        (b"IF(A3&gt;5%,B2&lt;1,0)", (b"IF(A%d&gt;5%%,B%d&lt;1,0)", (1, 0))),
        (b"SUM(2:2)", None),  # a whole row
        (b"SUM(Q1:Q4!B2)", None),  # a 3-D reference
        (b"tbl[@Qty]*2", None),  # a structured reference
        (b'"[x]"&amp;A2', (b'"[x]"&amp;A%d', (0,))),  # a bracket in text is only text
    ],
)
def test_the_rows_that_move_in_a_formula_filled_down(
    formula: bytes, expected: tuple[bytes, tuple[int, ...]] | None
) -> None:
    assert _template(formula, 2) == expected
