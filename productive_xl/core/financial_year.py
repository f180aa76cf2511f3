"""NHS financial years: 1 April to 31 March, labelled "2025/26", month 1 = April."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from productive_xl.core.errors import InvalidValue

FIRST_MONTH = 4  # April

# "2025/26", "2025-26", "2025/2026", "FY2025/26"
_LABEL = re.compile(r"^\s*(?:FY\s*)?(\d{4})\s*[/-]\s*(\d{2}|\d{4})\s*$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class FinancialYear:
    """The NHS financial year that starts on 1 April of ``start_year``."""

    start_year: int

    @classmethod
    def containing(cls, day: date) -> FinancialYear:
        """The financial year that ``day`` falls in."""
        return cls(day.year if day.month >= FIRST_MONTH else day.year - 1)

    @classmethod
    def parse(cls, label: str, name: str = "financial_year") -> FinancialYear:
        """The financial year a label such as "2025/26" names; #VALUE! for anything else."""
        match = _LABEL.match(label)
        if match:
            start, end = int(match.group(1)), match.group(2)
            if int(end) == (start + 1) % 10 ** len(end):
                return cls(start)
        raise InvalidValue(f"{name} {label!r} is not a financial year label like 2025/26")

    @property
    def label(self) -> str:
        """The year as finance teams write it: "2025/26"."""
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d}"

    @property
    def first_day(self) -> date:
        return date(self.start_year, FIRST_MONTH, 1)

    @property
    def last_day(self) -> date:
        return date(self.start_year + 1, FIRST_MONTH - 1, 31)

    def months(self) -> tuple[tuple[int, int], ...]:
        """(calendar year, calendar month) of months 1 to 12, April to March."""
        return tuple(
            (self.start_year + (FIRST_MONTH - 1 + i) // 12, (FIRST_MONTH - 1 + i) % 12 + 1)
            for i in range(12)
        )

    def __str__(self) -> str:
        return self.label
