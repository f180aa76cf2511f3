"""Same numbers, same errors: the generated add-in's JavaScript, run under Node with the Pyodide
it ships, against CPython.

Every call goes through the add-in as Excel makes it (the ids of functions.json, every declared
argument passed, an omitted one as null, ranges as arrays of rows, dates as serial numbers, the
invocation with the cell's address last) and must give what CPython's catalogue gives for the
same arguments: the same number to the last bit, or a CustomFunctions.Error of the same code,
with the same message where Office shows one. Worked values from DOMAIN.md are checked too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pyodide_npm import pyodide_package, run_in_node

from productive_xl.core.errors import ExcelError
from productive_xl.core.financial_year import FinancialYear
from productive_xl.functions import ADD_IN_IDS, CATALOGUE
from productive_xl.officejs.addin import base_url, write_addin
from productive_xl.workbook_context import calculating_workbook

pytestmark = pytest.mark.slow  # Pyodide takes a few seconds to start under Node

BAND_5_ENTRY_HOUR = 39421.1962 / 1553  # DOMAIN.md F1 worked example
MID_OCTOBER_2025 = 45945  # 15/10/2025: 45,945 days from Excel's day 0 (30/12/1899)
WITH_MESSAGE = {"#VALUE!", "#N/A"}  # Office shows a message beside these two only
BY_ID = {id_: name for name, id_ in ADD_IN_IDS.items()}


def call(
    function: str, *args: Any, address: str = "Sheet1!A1", pad: str = "null"
) -> dict[str, Any]:
    return {"call": function, "args": list(args), "address": address, "pad": pad}


# (what it shows, the step, the value worked out by hand or None)
CALLS: list[tuple[str, dict[str, Any], Any]] = [
    ("saving", call("SAVING", 40, 28, 250, 12, 0.9), 32400),
    ("saving, defaults omitted", call("SAVING", 40, 28, 250), 3000),
    ("saving, omitted as undefined", call("SAVING", 40, 28, 250, pad="undefined"), 3000),
    ("saving, blank cells on the web (null)", call("SAVING", 40, 28, 250, None, None), 3000),
    ("saving, blank cell on Windows/Mac (0)", call("SAVING", 40, 28, 250, 0, 1), 0),
    ("saving, blank required", call("SAVING", None, 28, 250), "#VALUE!"),
    ("saving, text for a number", call("SAVING", 40, "forty", 250), "#VALUE!"),
    ("saving, logical for a number", call("SAVING", True, 28, 250), "#VALUE!"),
    ("saving, confidence 1.5", call("SAVING", 40, 28, 250, 12, 1.5), "#NUM!"),
    ("saving, the text #N/A", call("SAVING", 40, "#N/A", 250), "#N/A"),
    ("hourly cost", call("HOURLY_COST", "Band 5", "2025/26", "entry"), BAND_5_ENTRY_HOUR),
    (
        "hourly cost, paid hours",
        call("HOURLY_COST", "Band 5", "2025/26", "entry", "paid"),
        39421.1962 / 1950,
    ),
    (
        "hourly cost, band as a number",
        call("HOURLY_COST", 5, "2025/26", "entry"),
        BAND_5_ENTRY_HOUR,
    ),
    ("hourly cost, unknown band", call("HOURLY_COST", "Band 10", "2025/26"), "#N/A"),
    ("hourly cost, year as a number", call("HOURLY_COST", "Band 5", 2025), "#VALUE!"),
    ("released hours", call("RELEASED_HOURS", 45, 30, 3), 273.75),
    ("released hours, negative", call("RELEASED_HOURS", -45, 30, 3), "#NUM!"),
    ("released time value, cost", call("RELEASED_TIME_VALUE", 273.75, 25), 6843.75),
    ("released time value, band", call("RELEASED_TIME_VALUE", 273.75, "Band 5", "2025/26"), None),
    ("wte", call("WTE", 1553 / 2), 0.5),
    ("wte, hours given", call("WTE", 800, 1600), 0.5),
    ("stock release", call("STOCK_RELEASE", 180000, 46000), 134000),
    ("stock recurrent", call("STOCK_RECURRENT", 560000, 530000), 30000),
    ("stock days", call("STOCK_DAYS", 46000, 560000), 46000 / (560000 / 365)),
    ("stock days, no usage", call("STOCK_DAYS", 46000, 0), "#DIV/0!"),
    ("income", call("INCOME", 120, 3100, 1250), 222000),
    ("asset saving", call("ASSET_SAVING", 1_000_000), 35000),
    ("asset saving, all given", call("ASSET_SAVING", 1_000_000, 20000, 0.03), 50000),
    ("fy of a serial", call("FINANCIAL_YEAR", MID_OCTOBER_2025), "2025/26"),
    ("fy of 31/3/2026", call("FINANCIAL_YEAR", MID_OCTOBER_2025 + 167), "2025/26"),
    ("fy of 1/4/2026", call("FINANCIAL_YEAR", MID_OCTOBER_2025 + 168), "2026/27"),
    ("fy of serial 60", call("FINANCIAL_YEAR", 60), "#NUM!"),
    ("fy of a text", call("FINANCIAL_YEAR", "15/10/2025"), "#VALUE!"),
    ("in year", call("IN_YEAR", 120000, MID_OCTOBER_2025, "2025/26"), 60000),
    ("in year, ramp", call("IN_YEAR", 120000, MID_OCTOBER_2025, "2025/26", 3), 50000),
    ("in year, year blank", call("IN_YEAR", 120000, MID_OCTOBER_2025, None), "#VALUE!"),
    ("npv of a column", call("NPV", [[100], [110]], 0.1), 200),
    ("npv, a blank cell counts 0", call("NPV", [[100], [None], [121]], 0.1), 200),
    ("npv of a row, default rate", call("NPV", [[32400, 32400, 32400, 32400, 32400]]), None),
    ("npv of one cell", call("NPV", [[100]]), 100),
    ("npv, text in the range", call("NPV", [[100], ["x"]], 0.1), "#VALUE!"),
    ("roi", call("ROI", [[150000, 50000]], [[80000], [20000]]), 1.0),
    ("roi, no costs", call("ROI", [[150000]], [[0]]), "#DIV/0!"),
    ("risk adjust, status", call("RISK_ADJUST", 32400, "Amber"), 16200),
    ("risk adjust, confidence", call("RISK_ADJUST", 32400, 0.25), 8100),
    ("risk adjust, unknown status", call("RISK_ADJUST", 32400, "Purple"), "#N/A"),
    # Band 6's intermediate point 40,823 (test_staff_cost.py): NI (40,823 - 5,000) x 0.15
    # = 5,373.45, pension 40,823 x 14.38% = 5,870.3474; 52,066.7974 over 1,553 hours
    ("cost per hour", call("COST_PER_HOUR", 40823), 52_066.7974 / 1553),
    (
        "cost per hour, paid hours",
        call("COST_PER_HOUR", 40823, None, None, None, None, 1950),
        52_066.7974 / 1950,
    ),
    ("cost per hour, no salary", call("COST_PER_HOUR", 0), "#NUM!"),
    # a table that spills, as a matrix result: groups A to Z, case-blind, a blank amount adds 0
    (
        "rollup",
        call(
            "ROLLUP",
            [[100], [250.5], [50], [None], [10]],
            [["Ward"], ["Theatre"], ["ward"], ["Community"], ["Theatre"]],
        ),
        [["Community", 0], ["Theatre", 260.5], ["Ward", 150]],
    ),
    ("rollup, sizes differ", call("ROLLUP", [[1], [2]], [["a"]]), "#VALUE!"),
]

# The workbook's year: each step sets the name FinancialYear (None: no such name) as a user
# would, which fires the worksheet change the add-in listens to, then calls.
YEAR_CALLS: list[tuple[str, str | int | None, dict[str, Any], Any]] = [
    (
        "2025/26 from the workbook",
        "2025/26",
        call("HOURLY_COST", "Band 5", None, "entry"),
        BAND_5_ENTRY_HOUR,
    ),
    (
        "released time, workbook year",
        "2025/26",
        call("RELEASED_TIME_VALUE", 273.75, "Band 5"),
        None,
    ),
    ("the year changed to 2030/31", "2030/31", call("HOURLY_COST", "Band 5"), "#N/A"),
    (
        "a year given beats the workbook's",
        "2030/31",
        call("HOURLY_COST", "Band 5", "2025/26", "entry"),
        BAND_5_ENTRY_HOUR,
    ),
    ("no FinancialYear name", None, call("HOURLY_COST", "Band 5"), None),
    ("FinancialYear not a label", 5, call("HOURLY_COST", "Band 5"), None),
]


def _cpython(step: dict[str, Any], year: Any = None) -> dict[str, Any]:
    """What CPython's catalogue gives for the step, in the add-in's terms."""
    function = CATALOGUE[BY_ID[step["call"]]]
    settings = {}
    if isinstance(year, str):
        settings["financial_year"] = FinancialYear.parse(year)
    with calculating_workbook(**settings):
        try:
            return {"value": function(*step["args"])}
        except ExcelError as error:
            message = f"{error.function}: {error.message}"
            shown = message if error.code in WITH_MESSAGE else None
            return {"error": error.code, "message": shown, "refused": False}


@pytest.fixture(scope="module")
def node_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    addin = tmp_path_factory.mktemp("addin") / "addin"
    write_addin(addin, base_url("https://finance.example.nhs.uk/productive/"), pyodide_package())
    steps: list[dict[str, Any]] = [step for _, step, _ in CALLS]
    steps.append({"excel_reads": True})  # none of the calls above needs the workbook's year
    for _, year, step, _ in YEAR_CALLS:
        steps += [{"year": year}, step]
    steps.append({"excel_reads": True})
    steps += [call("HOURLY_COST", "Band 5"), call("HOURLY_COST", "Band 6"), {"excel_reads": True}]
    steps += [
        call("SAVING", 40, 28, 250, 12, 1.5, address="Sheet1!B2"),
        {"explain": "Sheet1!$B$2"},
        {"explain": "sheet1!b2"},
        call("SAVING", 40, 28, 250, 12, 0.9, address="Sheet1!B2"),
        {"explain": "Sheet1!B2"},
        call("HOURLY_COST", "Band 10", "2025/26", address="'Cost 2025'!C3"),
        {"explain": "'Cost 2025'!$C$3"},
    ]
    return run_in_node(addin, steps)


def _results(node_run: dict[str, Any]) -> list[Any]:
    results: list[Any] = node_run["results"]
    return results


def test_every_catalogue_function_is_called_here() -> None:
    assert {BY_ID[step["call"]] for _, step, _ in CALLS} == set(CATALOGUE)


def test_every_catalogue_function_is_registered_under_its_id(node_run: dict[str, Any]) -> None:
    assert node_run["registered"] == [ADD_IN_IDS[name] for name in CATALOGUE]


@pytest.mark.parametrize(("index", "case"), list(enumerate(CALLS)), ids=[c[0] for c in CALLS])
def test_a_call_gives_what_cpython_gives(
    node_run: dict[str, Any], index: int, case: tuple[str, dict[str, Any], Any]
) -> None:
    _, step, by_hand = case
    got = _results(node_run)[index]
    assert got == _cpython(step)
    if isinstance(by_hand, str) and by_hand.startswith("#"):
        assert got["error"] == by_hand
        assert (got["message"] is not None) == (by_hand in WITH_MESSAGE)
    elif isinstance(by_hand, float | int):
        assert got["value"] == pytest.approx(by_hand, rel=1e-12)
    elif by_hand is not None:
        assert got["value"] == by_hand


def test_an_error_message_names_the_argument_and_value(node_run: dict[str, Any]) -> None:
    by_label = {label: _results(node_run)[i] for i, (label, _, _) in enumerate(CALLS)}
    assert by_label["saving, text for a number"]["message"] == (
        "PRODUCTIVE_SAVING: current is the text 'forty', where a number belongs"
    )
    assert by_label["saving, blank required"]["message"] == (
        "PRODUCTIVE_SAVING: baseline is blank, and it is required"
    )
    assert by_label["hourly cost, unknown band"]["message"].startswith(
        "PRODUCTIVE_HOURLY_COST: band 'Band 10' is not an Agenda for Change band"
    )


@pytest.mark.parametrize(
    ("index", "case"), list(enumerate(YEAR_CALLS)), ids=[c[0] for c in YEAR_CALLS]
)
def test_a_blank_financial_year_is_the_workbooks(
    node_run: dict[str, Any], index: int, case: tuple[str, Any, dict[str, Any], Any]
) -> None:
    _, year, step, by_hand = case
    got = _results(node_run)[len(CALLS) + 1 + 2 * index + 1]
    assert got == _cpython(step, year)
    if by_hand == "#N/A":
        assert got["error"] == "#N/A"
        assert "2030/31" in got["message"]  # the workbook's new year, read again on the change
    elif by_hand is not None:
        assert got["value"] == pytest.approx(by_hand, rel=1e-12)


def test_the_workbook_year_is_read_only_when_needed_and_kept(node_run: dict[str, Any]) -> None:
    results = _results(node_run)
    before_years = results[len(CALLS)]
    after_years = results[len(CALLS) + 1 + 2 * len(YEAR_CALLS)]
    after_two_more = results[len(CALLS) + 2 + 2 * len(YEAR_CALLS) + 2]
    # Each change of the name forgets the year, and the next call that leaves financial_year
    # blank reads it once: five of the six year steps do (one gives its own year).
    assert after_years - before_years == 5
    assert after_two_more == after_years  # kept while no worksheet changes


def test_explain_error_gives_the_cells_message_until_it_calculates(
    node_run: dict[str, Any],
) -> None:
    failing, by_absolute, by_lower, succeeding, after = _results(node_run)[-7:-2]
    assert failing["error"] == "#NUM!"
    assert failing["message"] is None  # Office shows no message beside #NUM!
    assert by_absolute == by_lower
    assert by_absolute.startswith("#NUM! PRODUCTIVE_SAVING: confidence")
    assert succeeding == {"value": 32400}
    assert after is None
    assert _results(node_run)[-1].startswith("#N/A PRODUCTIVE_HOURLY_COST: band 'Band 10'")


def test_no_call_threw_anything_but_a_custom_functions_error(node_run: dict[str, Any]) -> None:
    for result in _results(node_run):
        if isinstance(result, dict):
            assert "thrown" not in result
            assert not result.get("refused"), result


def test_a_python_that_cannot_start_gives_not_available_with_the_reason(
    tmp_path: Path,
) -> None:
    addin = tmp_path / "addin"
    written = write_addin(addin, base_url("https://finance.example.nhs.uk/"), pyodide_package())
    (addin / written.wheel).unlink()  # as a server missing the file would answer
    run = run_in_node(addin, [call("SAVING", 40, 28, 250), {"explain": "Sheet1!A1"}])
    failed, explained = run["results"]
    assert failed["error"] == "#N/A"
    assert "productive_xl's Python could not start" in failed["message"]
    assert f"{written.wheel}: the server answered 404" in failed["message"]
    assert explained == f"#N/A {failed['message']}"
