"""The workbook's VBA run, not only read (issue 7, point 7): LibreOffice executes it.

`productive-xl attach` puts xlwings' module and productive_xl's (ProductiveFunctions,
ProductiveErrors, ProductiveRibbon) into a workbook; LibreOffice opens it headless with its VBA
executable, and Calc calls the generated wrappers from the cells. xlwings' own module cannot run
there (no COM, and LibreOffice cannot compile it), so tests/uno/ puts stand-ins in its place:
``XLPy.CallUDF`` records the arguments each wrapper passes and calls productive_xl's Python through
LibreOffice's script provider for Python, raising the Python traceback as the COM bridge raises
an exception; ``RunPython`` records its command. What this shows, cell by cell, is worked out by
hand from the formulas, never from productive_xl's output. What LibreOffice cannot show is in
the README's "Checked in Excel" (item 9) and in the comments below.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from command_line import run_productive_xl
from libreoffice import run_vba_in_libreoffice, vba_run_unavailable

REPO = Path(__file__).resolve().parents[1]
SHEET = "Calls"

_UNAVAILABLE = vba_run_unavailable()
pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.slow,
    pytest.mark.skipif(_UNAVAILABLE is not None, reason=str(_UNAVAILABLE)),
]

# Hourly cost of Band 5 at its entry point in 2025/26, by hand from the README's reference values:
# pay 31,049; employer NI 15% above 5,000 = 3,907.35; pension 14.38% = 4,464.8462; levy 0.
BAND_5_ENTRY_A_YEAR = 31049 + 0.15 * (31049 - 5000) + 0.1438 * 31049  # 39,421.1962

# Inputs on row 1; F1 is left blank; K1 shows #N/A.
INPUTS: dict[str, Any] = {
    "A1": 40,
    "B1": 28,
    "C1": 250,
    "D1": 12,
    "E1": 0.9,
    "G1": date(2025, 10, 15),
    "H1": -100,
    "I1": 110,
    "J1": 121,
    "K1": "=NA()",
}

# Excel's error values as VBA's CVErr numbers: what a wrapper returns for #VALUE!, #N/A...
VALUE, NA, NUM, DIV0 = 2015, 2042, 2036, 2007

# (formula, expected result, arguments as XLPy.CallUDF received them), one a row from B3 down.
# An expected number is worked out by hand; an int 20xx in ERROR_CELLS is the error the wrapper
# must return. Arguments: ("Double", 40) a value, ("Range", "A1", ...) a cell reference with the
# value read from it, ("Missing",) an omitted optional argument.
CASES: list[tuple[str, Any, list[Any]]] = [
    # Every wrapper once with every argument given, each a different value: the order shows.
    (
        "=PRODUCTIVE_SAVING(A1,B1,C1,D1,E1)",
        (40 - 28) * 250 * 12 * 0.9,  # 32,400
        [
            ["Range", "A1", ["Double", 40]],
            ["Range", "B1", ["Double", 28]],
            ["Range", "C1", ["Double", 250]],
            ["Range", "D1", ["Double", 12]],
            ["Range", "E1", ["Double", 0.9]],
        ],
    ),
    (
        '=PRODUCTIVE_HOURLY_COST("Band 5","2025/26","entry","paid")',
        BAND_5_ENTRY_A_YEAR / 1950,
        [["String", "Band 5"], ["String", "2025/26"], ["String", "entry"], ["String", "paid"]],
    ),
    # (30,000 + (30,000 - 9,000) x 0.1 + 30,000 x 0.2 + 30,000 x 0.01) / 1,500
    (
        "=PRODUCTIVE_COST_PER_HOUR(30000,0.1,9000,0.2,0.01,1500)",
        (30000 + 2100 + 6000 + 300) / 1500,
        [
            ["Double", 30000],
            ["Double", 0.1],
            ["Double", 9000],
            ["Double", 0.2],
            ["Double", 0.01],
            ["Double", 1500],
        ],
    ),
    (
        "=PRODUCTIVE_RELEASED_HOURS(10,6,8,250)",
        (10 - 6) * 8 * 250 / 60,
        [["Double", 10], ["Double", 6], ["Double", 8], ["Double", 250]],
    ),
    (
        '=PRODUCTIVE_RELEASED_TIME_VALUE(100,"Band 5","2025/26","entry")',
        100 * BAND_5_ENTRY_A_YEAR / 1553,
        [["Double", 100], ["String", "Band 5"], ["String", "2025/26"], ["String", "entry"]],
    ),
    ("=PRODUCTIVE_WTE(3000,1500)", 2.0, [["Double", 3000], ["Double", 1500]]),
    ("=PRODUCTIVE_STOCK_RELEASE(5000,3500)", 1500.0, [["Double", 5000], ["Double", 3500]]),
    (
        "=PRODUCTIVE_STOCK_RECURRENT(20000,18000,1000,400)",
        (20000 - 18000) + (1000 - 400),
        [["Double", 20000], ["Double", 18000], ["Double", 1000], ["Double", 400]],
    ),
    ("=PRODUCTIVE_STOCK_DAYS(1000,36500)", 10.0, [["Double", 1000], ["Double", 36500]]),
    (
        "=PRODUCTIVE_INCOME(10,1500,300)",
        10 * (1500 - 300),
        [["Double", 10], ["Double", 1500], ["Double", 300]],
    ),
    (
        "=PRODUCTIVE_ASSET_SAVING(100000,5000,0.03)",
        100000 * 0.03 + 5000,
        [["Double", 100000], ["Double", 5000], ["Double", 0.03]],
    ),
    # 15 October 2025 is day 45,945 of Excel's 1900 date system.
    ("=PRODUCTIVE_FY(G1)", "2025/26", [["Range", "G1", ["Date", 45945]]]),
    # October to March is six months of 10,000; the ramp gives 1/3 and 2/3 of the first two.
    (
        '=PRODUCTIVE_IN_YEAR(120000,DATE(2025,10,15),"2025/26",3)',
        (1 / 3 + 2 / 3 + 4) * 10000,
        [["Double", 120000], ["Double", 45945], ["String", "2025/26"], ["Double", 3]],
    ),
    # -100 + 110 / 1.1 + 121 / 1.21
    (
        "=PRODUCTIVE_NPV(H1:J1,0.1)",
        100.0,
        [
            ["Range", "H1:J1", ["Array", [[["Double", -100], ["Double", 110], ["Double", 121]]]]],
            ["Double", 0.1],
        ],
    ),
    ("=PRODUCTIVE_ROI(150,100)", 0.5, [["Double", 150], ["Double", 100]]),
    ('=PRODUCTIVE_RISK_ADJUST(1000,"Amber")', 500.0, [["Double", 1000], ["String", "Amber"]]),
    # A table (one group, "Ward", totalling 150): a formula of one cell shows its first value
    (
        '=PRODUCTIVE_ROLLUP(150,"Ward")',
        "Ward",
        [["Double", 150], ["String", "Ward"], ["Missing"], ["Missing"]],
    ),
    # Omitted optional arguments arrive as Missing, and xlwings gives their defaults.
    (
        "=PRODUCTIVE_SAVING(A1,B1,C1)",
        (40 - 28) * 250,
        [
            ["Range", "A1", ["Double", 40]],
            ["Range", "B1", ["Double", 28]],
            ["Range", "C1", ["Double", 250]],
            ["Missing"],
            ["Missing"],
        ],
    ),
    # Blank cells arrive as Ranges whose value is Empty: None to xlwings, the default here.
    (
        "=PRODUCTIVE_SAVING(A1,B1,C1,F1,F1)",
        (40 - 28) * 250,
        [
            ["Range", "A1", ["Double", 40]],
            ["Range", "B1", ["Double", 28]],
            ["Range", "C1", ["Double", 250]],
            ["Range", "F1", ["Empty"]],
            ["Range", "F1", ["Empty"]],
        ],
    ),
    ("=PRODUCTIVE_WTE(3106,F1)", 3106 / 1553, [["Double", 3106], ["Range", "F1", ["Empty"]]]),
    # A blank required argument, text for a number, a number out of range, an unknown band and a
    # zero divisor: Python raises, and the wrapper returns the error value.
    (
        "=PRODUCTIVE_SAVING(F1,B1,C1)",
        VALUE,
        [
            ["Range", "F1", ["Empty"]],
            ["Range", "B1", ["Double", 28]],
            ["Range", "C1", ["Double", 250]],
            ["Missing"],
            ["Missing"],
        ],
    ),
    (
        '=PRODUCTIVE_SAVING(40,"forty",250)',
        VALUE,
        [["Double", 40], ["String", "forty"], ["Double", 250], ["Missing"], ["Missing"]],
    ),
    (
        "=PRODUCTIVE_SAVING(40,28,250,12,1.5)",
        NUM,
        [["Double", 40], ["Double", 28], ["Double", 250], ["Double", 12], ["Double", 1.5]],
    ),
    (
        '=PRODUCTIVE_HOURLY_COST("Band 10","2025/26")',
        NA,
        [["String", "Band 10"], ["String", "2025/26"], ["Missing"], ["Missing"]],
    ),
    ("=PRODUCTIVE_STOCK_DAYS(1000,0)", DIV0, [["Double", 1000], ["Double", 0]]),
]
ERROR_CELLS = {VALUE, NA, NUM, DIV0}


def _address(index: int) -> str:
    return f"B{index + 3}"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The report and the recorded calls of one LibreOffice run over an attached workbook."""
    folder = tmp_path_factory.mktemp("vba-run")
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SHEET
    for address, value in INPUTS.items():
        sheet[address] = value
    for index, (formula, _, _) in enumerate(CASES):
        sheet[_address(index)] = formula
    team = folder / "team.xlsx"
    book.save(team)
    attached = folder / "attached.xlsm"
    result = run_productive_xl("attach", str(team), "-o", str(attached))
    assert result.returncode == 0, result.stderr
    return run_vba_in_libreoffice(attached, SHEET)


def _udf_calls(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [call for call in calls if "call_udf" in call]


def test_the_attached_project_is_the_one_loaded(run: tuple[dict[str, Any], Any]) -> None:
    report, _ = run
    assert {"xlwings", "ProductiveFunctions", "ProductiveErrors", "ProductiveRibbon"} <= set(
        report["modules"]
    )


def test_every_wrapper_passes_its_arguments_in_order(run: tuple[dict[str, Any], Any]) -> None:
    """One call per formula, in the order of the cells, each with the arguments of its formula."""
    _, calls = run
    udf_calls = _udf_calls(calls)
    # the attached Inputs sheet costs an hour of each of its 11 bands in tblRates
    ours = next(arguments for formula, _, arguments in CASES if "COST_PER_HOUR" in formula)
    inputs = [
        call
        for call in udf_calls
        if call["call_udf"] == "productive_cost_per_hour" and call["arguments"] != ours
    ]
    assert len(inputs) == 11
    udf_calls = [call for call in udf_calls if call not in inputs]
    assert len(udf_calls) == len(CASES)
    for call, (formula, _, arguments) in zip(udf_calls, CASES, strict=True):
        function = formula[1 : formula.index("(")]
        assert call["module"] == "productive_xl.functions", formula
        assert call["call_udf"] == function.lower(), formula
        assert call["arguments"] == arguments, formula
        # ThisWorkbook reaches XLPy.CallUDF as the workbook (the copy run_vba_in_libreoffice
        # opens); Application.Caller does not name the cell in LibreOffice (README, item 9).
        assert call["book"] == ["Workbook", "workbook.xlsm"]
        assert call["caller"] == "(Empty)"
    wrappers = re.findall(
        r"^Public Function (PRODUCTIVE_\w+)\(",
        (REPO / "vba" / "ProductiveFunctions.bas").read_text(encoding="cp1252"),
        re.MULTILINE,
    )
    called = {formula[1 : formula.index("(")] for formula, _, _ in CASES}
    assert len(wrappers) == 17  # the catalogue's 17 functions, PRODUCTIVE_ROLLUP the last
    assert set(wrappers) == called


def test_each_cell_shows_its_result(run: tuple[dict[str, Any], Any]) -> None:
    report, _ = run
    for index, (formula, expected, _) in enumerate(CASES):
        cell = report["cells"][_address(index)]
        assert cell["formula"].replace(";", ",") == formula
        if isinstance(expected, str):
            assert cell["text"] == expected, formula
        elif expected in ERROR_CELLS and isinstance(expected, int):
            # LibreOffice shows the error value a Basic function returns (CVErr) as the text
            # "Error 2042", where Excel shows #N/A (README, item 9): the number is what is checked.
            assert cell["text"] == f"Error {expected}", formula
        else:
            assert cell["value"] == pytest.approx(expected, rel=1e-12), formula


def test_a_python_error_becomes_its_error_value(run: tuple[dict[str, Any], Any]) -> None:
    """FromPython reads the code out of the raised traceback (marker on its last line)."""
    report, _ = run
    expected = [code for _, code, _ in CASES if code in ERROR_CELLS and isinstance(code, int)]
    results = report["from_python"]
    assert len(results) == len(expected)
    for outcome, code in zip(results, expected, strict=True):
        assert outcome["raised"].startswith("Traceback (most recent call last):")
        assert outcome["result"].split("|")[:2] == ["Error", str(code)]


def test_message_for_returns_the_message(run: tuple[dict[str, Any], Any]) -> None:
    report, _ = run
    band_10 = next(r for r in report["from_python"] if "Band 10" in r["raised"])
    assert (
        band_10["result"]
        .split("|", 2)[2]
        .startswith("#N/A PRODUCTIVE_HOURLY_COST: band 'Band 10' is not an Agenda for Change band")
    )


def test_every_ribbon_callback_runs(run: tuple[dict[str, Any], Any]) -> None:
    """Each Sub compiles and runs with a control, handing its command to RunPython."""
    report, calls = run
    assert report["ribbon"] == {
        name: {"result": ""}
        for name in [
            "ProductiveRibbonLoaded",
            "ProductiveRefreshTracker",
            "ProductiveCheckInputs",
            "ProductiveAddBenefitLine",
            "ProductiveUpdateRatesForYear",
            "ProductiveExplainError",
            "ProductiveAbout",
        ]
    }
    prefix = "import productive_xl.excel.ribbon as ribbon; ribbon."
    assert [call["run_python"] for call in calls if "run_python" in call] == [
        prefix + "refresh_tracker()",
        prefix + "check_inputs()",
        prefix + "add_benefit_line()",
        prefix + "update_rates_for_year()",
        prefix + "explain_error()",
        prefix + "about()",
    ]
