"""F6: financial years and in-year effects, against DOMAIN.md and hand arithmetic."""

from __future__ import annotations

from datetime import date

import pytest

from productive_xl.core import FinancialYear, InvalidValue, in_year_effect, monthly_phasing

FY_2025 = FinancialYear(2025)
FY_2026 = FinancialYear(2026)


@pytest.mark.parametrize(
    ("day", "label"),
    [
        (date(2025, 4, 1), "2025/26"),
        (date(2026, 3, 31), "2025/26"),
        (date(2025, 3, 31), "2024/25"),
        (date(2000, 1, 15), "1999/00"),
        (date(2009, 12, 1), "2009/10"),
    ],
)
def test_financial_year_labels(day: date, label: str) -> None:
    assert FinancialYear.containing(day).label == label


@pytest.mark.parametrize("label", ["2025/26", "2025-26", "2025/2026", "FY2025/26", " fy 2025/26 "])
def test_financial_year_labels_are_read_in_their_usual_spellings(label: str) -> None:
    assert FinancialYear.parse(label) == FY_2025


def test_century_label() -> None:
    assert FinancialYear.parse("1999/00") == FinancialYear(1999)


@pytest.mark.parametrize("label", ["2025/27", "2025", "25/26", "next year", "2025/2027"])
def test_other_text_is_not_a_financial_year(label: str) -> None:
    with pytest.raises(InvalidValue, match="financial_year"):
        FinancialYear.parse(label)


def test_months_run_april_to_march() -> None:
    months = FY_2025.months()
    assert months[0] == (2025, 4)
    assert months[8] == (2025, 12)
    assert months[9] == (2026, 1)
    assert months[11] == (2026, 3)


def test_in_year_worked_example_from_domain() -> None:
    # FYE 120,000 from 15 Oct 2025: 2025/26 gives 60,000 (no ramp) or 50,000 (3-month ramp);
    # 2026/27 gives 120,000.
    start = date(2025, 10, 15)
    assert in_year_effect(120000, start, FY_2025) == pytest.approx(60000)
    assert in_year_effect(120000, start, FY_2025, 3) == pytest.approx(50000)
    assert in_year_effect(120000, start, FY_2026) == pytest.approx(120000)
    assert in_year_effect(120000, start, FY_2026, 3) == pytest.approx(120000)


def test_ramp_that_crosses_the_year_end() -> None:
    # FYE 120,000 (10,000 a month) from 1 March 2026 with a 6-month ramp:
    # 2025/26 has March only, month 1: 10,000 x 1/6 = 1,666.67
    # 2026/27 has months 2..13: 10,000 x (2 + 3 + 4 + 5)/6 + 10,000 x 8 = 103,333.33
    start = date(2026, 3, 1)
    assert in_year_effect(120000, start, FY_2025, 6) == pytest.approx(1666.6667, abs=1e-3)
    assert in_year_effect(120000, start, FY_2026, 6) == pytest.approx(103333.3333, abs=1e-3)


def test_monthly_phasing_of_a_line() -> None:
    # 36,000 FYE from 20 June 2025 with a 2-month ramp: April, May nothing; June 1,500;
    # July onwards 3,000 a month
    phasing = monthly_phasing(36000, date(2025, 6, 20), FY_2025, 2)
    assert phasing == pytest.approx([0, 0, 1500] + [3000] * 9)


def test_lines_starting_before_or_after_the_year() -> None:
    assert in_year_effect(50000, date(2020, 1, 1), FY_2025, 12) == pytest.approx(50000)
    assert in_year_effect(50000, date(2026, 4, 1), FY_2025) == 0
