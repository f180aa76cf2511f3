"""Workbooks of the shape users write, for the recalc benchmark (issue 8, point 6).

Formulas written cell by cell by a library (xlsxwriter), none shared, no cached values (the
``<v>`` xlsxwriter writes after each formula is taken out). A Rates sheet; a Register whose
every row computes its hourly rate with a VLOOKUP into Rates, its minutes saved and weight with
formulas, a PRODUCTIVE_* call whose arguments are expressions over those formulas, and three
ordinary formulas after it; a Summary of SUMIFS over whole columns.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import xlsxwriter  # type: ignore[import-untyped]

FORMULAS_PER_ROW = 7
WARDS = 40
STATUSES = (("Blue", 1.0), ("Green", 0.9), ("Amber", 0.5), ("Red", 0.1))
BANDS = (("Band 3", 16.2), ("Band 4", 18.1), ("Band 5", 22.8), ("Band 6", 28.4), ("Band 7", 34.1))
SAVING = "=PRODUCTIVE_SAVING(D{r}*F{r}*365/60,E{r}*F{r}*365/60,I{r}*(1+Rates!$B$9),1,K{r})"
# what PRODUCTIVE_SAVING computes, for engines that cannot call Python
PLAIN_SAVING = "=(D{r}*F{r}*365/60-E{r}*F{r}*365/60)*I{r}*(1+Rates!$B$9)*1*K{r}"
_CACHED = re.compile(rb"(</f>)<v>[^<]*</v>")


def build_user_workbook(path: Path, rows: int, *, productive: bool = True) -> None:
    """A register of ``rows`` lines; without ``productive`` the PRODUCTIVE_* column is the
    ordinary formula that gives the same value."""
    written = path.with_suffix(".tmp.xlsx")
    book = xlsxwriter.Workbook(str(written), {"constant_memory": True})
    rates = book.add_worksheet("Rates")
    rates.write_row(0, 0, ["Band", "Hourly rate", "", "Status", "Weight"])
    for i, (band, rate) in enumerate(BANDS):  # in constant_memory mode, rows in order
        pair: tuple[object, ...] = STATUSES[i] if i < len(STATUSES) else ()
        rates.write_row(i + 1, 0, [band, rate, "", *pair])
    rates.write_row(8, 0, ["On-costs", 0.28])
    register = book.add_worksheet("Register")
    register.write_row(
        0,
        0,
        [
            *("ID", "Ward", "Band", "Min before", "Min after", "Times a day", "Status", "Start"),
            *("Rate", "Minutes saved", "Weight", "Saving", "Rounded", "Size", "Monthly"),
        ],
    )
    date_format = book.add_format({"num_format": "dd/mm/yyyy"})
    saving = SAVING if productive else PLAIN_SAVING
    for i in range(rows):
        r = i + 2
        register.write_row(
            i + 1,
            0,
            [
                *(f"RT-{i + 1:06d}", f"Ward {i % WARDS + 1}", BANDS[i % 5][0], 20 + i % 30),
                *(10 + i % 7, 1 + i % 6, STATUSES[i % 4][0]),
            ],
        )
        register.write_number(i + 1, 7, 45748 + i % 365, date_format)
        register.write_formula(i + 1, 8, f"=VLOOKUP(C{r},Rates!$A$2:$B$6,2,FALSE)")
        register.write_formula(i + 1, 9, f"=D{r}-E{r}")
        register.write_formula(i + 1, 10, f"=VLOOKUP(G{r},Rates!$D$2:$E$5,2,FALSE)")
        register.write_formula(i + 1, 11, saving.format(r=r))
        register.write_formula(i + 1, 12, f"=ROUND(L{r},2)")
        register.write_formula(i + 1, 13, f'=IF(M{r}>1000,"High","Low")')
        register.write_formula(i + 1, 14, f"=M{r}/12")
    summary = book.add_worksheet("Summary")
    summary.write_row(0, 0, ["Ward", "Saving", "Lines"])
    for i in range(WARDS):
        ward = f"Ward {i + 1}"
        summary.write_string(i + 1, 0, ward)
        summary.write_formula(i + 1, 1, f"=SUMIFS(Register!M:M,Register!B:B,A{i + 2})")
        summary.write_formula(i + 1, 2, f"=COUNTIFS(Register!B:B,A{i + 2})")
    for i, (status, _) in enumerate(STATUSES):
        summary.write_string(WARDS + 2 + i, 0, status)
        summary.write_formula(
            WARDS + 2 + i, 1, f'=SUMIFS(Register!M:M,Register!G:G,"{status}",Register!N:N,"High")'
        )
    book.close()
    with (
        zipfile.ZipFile(written) as original,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as copy,
    ):
        for member in original.infolist():
            data = original.read(member)
            if member.filename.startswith("xl/worksheets/"):
                data = _CACHED.sub(rb"\1", data)
            copy.writestr(member, data)
    written.unlink()
