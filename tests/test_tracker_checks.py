"""The register's checks, on register lines made by hand."""

from __future__ import annotations

from datetime import date
from typing import Any

from productive_xl.core import FinancialYear
from productive_xl.tracker.checks import Check, check_counts, check_register
from productive_xl.tracker.register import BenefitLine, Column, benefit_line

YEAR = FinancialYear(2025)
STATUSES = ("Blue", "Delivered", "Green", "Amber", "Red")


def _line(row: int, **changes: Any) -> BenefitLine:
    values: dict[str, Any] = {
        Column.ID: f"PW-{row:03d}",
        Column.PROGRAMME: "Productive Ward",
        Column.SCHEME: "Well organised ward",
        Column.WARD: "Ward 7",
        Column.DIRECTORATE: "Medicine",
        Column.OWNER: "Sister A. Patel",
        Column.BENEFIT_TYPE: "Released time",
        Column.CASH_RELEASING: "No",
        Column.RECURRENCE: "Recurrent",
        Column.SOURCE_LINE: "",
        Column.MEASURE: "Minutes a drug round",
        Column.FULL_YEAR_EFFECT: 7504.85,
        Column.START_DATE: date(2025, 10, 15),
        Column.RAMP_MONTHS: 3,
        Column.STATUS: "Green",
        Column.EVIDENCE: "Timed observation, 12 rounds, June 2025",
        Column.ALSO_REPORTED_IN: "",
    }
    values.update({Column[name.upper()].value: value for name, value in changes.items()})
    return benefit_line(row, values)


def test_a_sound_register_passes_every_check() -> None:
    lines = [_line(5), _line(6, source_line="RT-002"), _line(7, status="blue")]
    findings = check_register(lines, YEAR, STATUSES)
    assert findings == []
    assert check_counts(findings) == dict.fromkeys(Check, 0)


def test_each_rule_finds_the_line_and_the_column_to_fix() -> None:
    lines = [
        _line(5, owner=""),
        _line(6, evidence=None),
        _line(7, id="PW-009"),
        _line(9),  # its ID PW-009 is the one line 7 took
        _line(10, start_date=date(2026, 4, 1)),
        _line(11, start_date=None),
        _line(12, source_line="RT-014", cash_releasing="Yes"),
        _line(13, source_line="RT-014", cash_releasing="No"),
        _line(14, benefit_type="Stock release (one-off)", recurrence="Recurrent"),
        _line(15, status="Purple", programme="Productive Hospital"),
    ]
    findings = check_register(lines, YEAR, STATUSES)
    where = {(f.check, f.row, f.column) for f in findings}
    assert where == {
        (Check.OWNER, 5, Column.OWNER),
        (Check.EVIDENCE, 6, Column.EVIDENCE),
        (Check.UNIQUE_ID, 7, Column.ID),
        (Check.UNIQUE_ID, 9, Column.ID),
        (Check.START_IN_YEAR, 10, Column.START_DATE),
        (Check.START_IN_YEAR, 11, Column.START_DATE),
        (Check.COUNTED_ONCE, 12, Column.SOURCE_LINE),
        (Check.COUNTED_ONCE, 13, Column.SOURCE_LINE),
        (Check.ONE_OFF_STOCK, 14, Column.RECURRENCE),
        (Check.KNOWN_VALUES, 15, Column.STATUS),
        (Check.KNOWN_VALUES, 15, Column.PROGRAMME),
    }
    messages = {f.row: f.message for f in findings if f.check == Check.COUNTED_ONCE}
    assert "counted both as cash released and as productivity" in messages[12]
    assert "after 2025/26 ends" in next(f.message for f in findings if f.row == 10)
    assert check_counts(findings)[Check.UNIQUE_ID] == 2
    assert sum(check_counts(findings).values()) == len(findings) == 11


def test_the_same_source_counted_twice_the_same_way_is_still_double_counting() -> None:
    lines = [_line(5, source_line="ST-001"), _line(6, source_line="ST-001")]
    findings = check_register(lines, YEAR, STATUSES)
    assert {f.row for f in findings} == {5, 6}
    assert all("counted more than once" in f.message for f in findings)


def test_cells_are_read_as_a_workbook_gives_them() -> None:
    line = _line(5, full_year_effect="n/a", ramp_months=None, cash_releasing=" YES ")
    assert line.full_year_effect is None  # text is not a number: the line's checks say so
    assert line.ramp_months == 0
    assert line.cash_releasing is True


def test_a_cash_line_also_reported_in_the_cip_is_counted_in_both() -> None:
    """ "Both" is the trust's CIP (the word CIP in Also reported in) and this tracker's cash:
    the same pounds would be in two totals. Non-cash here, or reported elsewhere, is not."""
    lines = [
        _line(1, cash_releasing="Yes", also_reported_in="CIP 2025/26 (Medicine)"),
        _line(2, cash_releasing="No", also_reported_in="CIP 2025/26 (Medicine)"),
        _line(3, cash_releasing="Yes", also_reported_in="Elective recovery plan"),
        _line(4, cash_releasing="Yes", also_reported_in="Trust cip"),
        _line(5, cash_releasing="Yes", also_reported_in="Principal's report"),  # no word CIP
    ]
    found = [f for f in check_register(lines, YEAR, STATUSES) if f.check == Check.COUNTED_IN_BOTH]
    assert [(f.line_id, f.row, f.column) for f in found] == [
        ("PW-001", 1, Column.ALSO_REPORTED_IN),
        ("PW-004", 4, Column.ALSO_REPORTED_IN),
    ]
    assert "counted in both" in found[0].message
