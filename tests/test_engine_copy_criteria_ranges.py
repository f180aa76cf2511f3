"""The engine's copy of a criteria function's ranges: a single cell made a one-cell range, and the
range a SUMIF or AVERAGEIF adds up given its criteria range's shape, as Excel reads it. Each
expected text is written out by hand from the rule; everything else in a formula stays as it is.
"""

from __future__ import annotations

import pytest

from productive_xl.headless.engine_copy import criteria_ranges_spelled_out
from productive_xl.headless.formula_calls import calls


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ('COUNTIF(A2,"x")', 'COUNTIF(A2:A2,"x")'),
        # the sheet name is written once, in front; commas in text or a name do not split
        (
            "COUNTIF('Plan, 2025'!$B$4,\"a,b\")",
            "COUNTIF('Plan, 2025'!$B$4:$B$4,\"a,b\")",
        ),
        # criteria (the second, fourth... argument) may be a cell: they stay as they are
        ("COUNTIFS(A1,B1,C1:C3,D1)", "COUNTIFS(A1:A1,B1,C1:C3,D1)"),
        ('SUMIFS(B1,A1,"x",C1,D1)', 'SUMIFS(B1:B1,A1:A1,"x",C1:C1,D1)'),
        ('_xlfn.MAXIFS(B1,A1,"x")', '_xlfn.MAXIFS(B1:B1,A1:A1,"x")'),
        # SUMIF adds up the range of its criteria range's shape, from the top left cell given;
        # the $ signs stay where they were, for the formula's copies down a column
        ('SUMIF(A1:A3,"x",B1)', 'SUMIF(A1:A3,"x",B1:B3)'),
        ('AVERAGEIF(A1:B3,"x",D$5)', 'AVERAGEIF(A1:B3,"x",D$5:E$7)'),
        ('SUMIF(Data!A2:A9,"x",Data!$C$2:$C$3)', 'SUMIF(Data!A2:A9,"x",Data!$C$2:$C$9)'),
        ('SUMIF(A1:A3,"x",B1:B3)', 'SUMIF(A1:A3,"x",B1:B3)'),
        ("SUMIF(A1:A3,B1)", "SUMIF(A1:A3,B1)"),  # two arguments: B1 is the criteria
        # nested calls are each rewritten; other functions and text are not
        ("COUNTIF(A1:A3,COUNTIF(B1,1))", "COUNTIF(A1:A3,COUNTIF(B1:B1,1))"),
        ('SUM(A1)+LEN("COUNTIF(A1,1)")', 'SUM(A1)+LEN("COUNTIF(A1,1)")'),
        # a name or a table's row is not rewritten here (the trust checks report it)
        ('COUNTIF(OneCell,"x")', 'COUNTIF(OneCell,"x")'),
        (
            'COUNTIF(tbl[[#This Row],[Check]],"x")',
            'COUNTIF(tbl[[#This Row],[Check]],"x")',
        ),
    ],
)
def test_criteria_ranges_are_spelled_out(formula: str, expected: str) -> None:
    assert criteria_ranges_spelled_out(formula) == expected


def test_calls_find_arguments_past_brackets_braces_and_text() -> None:
    formula = "IF(x,SUMIFS(tbl[[#This Row],[A]],{1,2},\"a,b\",'S,1'!A1),0)"
    (found,) = calls(formula, {"SUMIFS"})
    arguments = [found.argument(formula, p) for p in range(len(found.arguments))]
    assert arguments == ["tbl[[#This Row],[A]]", "{1,2}", '"a,b"', "'S,1'!A1"]
    assert found.argument(formula, 4) is None
    (empty,) = calls("TODAY()", {"TODAY"})
    assert empty.arguments == ()
