"""The example tracker's figures, worked out by hand from DOMAIN.md's formulas and the example's
inputs (the pay points of Agenda for Change 2025/26, the task timings, the stock counts).

The tests of the template and of ``productive-xl example`` compare what recalc computes with
these; nothing here is taken from a run of the code.
"""

from __future__ import annotations


def hourly_cost(salary: float) -> float:
    """DOMAIN.md F1 by hand: NI 15% above £5,000, pension 14.38%, no levy, 1,553 hours."""
    return (salary + (salary - 5000) * 0.15 + salary * 0.1438) / 1553


BAND_2 = hourly_cost(24465)  # the band's single pay point
BAND_3 = hourly_cost((24937 + 26598) / 2)  # two points: their mean
BAND_5 = hourly_cost(33487)  # three points: the intermediate one
BAND_6 = hourly_cost(40823)

# Task timings (minutes before - after) x times a day x days a year / 60, at the band's cost
RT_01 = (45 - 30) * 3 * 365 / 60 * BAND_5  # drug round: 273.75 hours
RT_02 = (40 - 25) * 3 * 365 / 60 * BAND_6  # handover: 273.75 hours
RT_03 = (50 - 20) * 2 * 365 / 60 * BAND_2  # finding equipment: 365 hours
RT_04 = (90 - 60) * 1 * 260 / 60 * BAND_3  # ward round, weekdays: 130 hours
RT_05 = (60 - 40) * 2 * 250 / 60 * BAND_6  # visit planning: 166.67 hours


def pence(value: float) -> float:
    return round(value, 2)


# In-year effect 2025/26 = FYE / 12 x the months delivered (a ramp of r gives n/r in month n).
IN_YEAR = {
    "PW-01": pence(RT_01) / 12 * 11,  # from May, no ramp: May..Mar
    "PW-02": pence(RT_02) / 12 * (1 / 3 + 2 / 3 + 7),  # from July, 3-month ramp
    "PW-03": pence(RT_03) / 12 * 7,  # from September
    "PW-04": 36000 / 12 * (0.5 + 5),  # bank shifts (40 - 28) x 12 x £250, October, ramp 2
    "PMH-01": pence(RT_04) / 12 * 10,  # from June
    "PCS-01": 212000 - 78000,  # one-off stock release (Leicestershire), counted once
    "PCS-02": pence(RT_05) / 12 * (0.5 + 7),  # from August, ramp 2
    "PW-05": (96000 - 88000) + (4800 - 1300),  # recurrent stock from April: the whole year
    "POT-01": 800 * (3400 - 900) / 12 * (1 / 3 + 2 / 3 + 4),  # theatre income (Bristol), Oct
    "POT-02": (8 - 2) * 12 * 2400 / 12 * 3,  # out-of-hours lists avoided from January
    # assets employed down £150,000 at the 3.5% PDC rate, plus £30,000 depreciation, from January
    "POT-03": (150_000 * 0.035 + 30_000) / 12 * 3,
}
STATUS = {
    "PW-01": 1.0,  # Blue
    "PW-02": 0.9,  # Green
    "PW-03": 0.5,  # Amber
    "PW-04": 0.1,  # Red
    "PMH-01": 0.9,
    "PCS-01": 1.0,
    "PCS-02": 0.5,
    "PW-05": 0.9,
    "POT-01": 0.5,
    "POT-02": 0.1,
    "POT-03": 0.9,  # Green
}
# PW-04's bank shifts are cash, but the Medicine CIP counts that cash: not cash-releasing here
CASH_RELEASING = ("PCS-01", "PW-05", "POT-01", "POT-02")

# The full-year effect of every line of the example, each worked from its drivers by hand
FULL_YEAR = {
    "PW-01": pence(RT_01),
    "PW-02": pence(RT_02),
    "PW-03": pence(RT_03),
    "PW-04": (40 - 28) * 250 * 12,  # 36,000
    "PMH-01": pence(RT_04),
    "PCS-01": 212_000 - 78_000,
    "PCS-02": pence(RT_05),
    "PW-05": (96_000 - 88_000) + (4_800 - 1_300),  # 11,500
    "POT-01": 800 * (3_400 - 900),  # 2,000,000: the text's 800 cases at £3,400 less £900 each
    "POT-02": (8 - 2) * 2_400 * 12,  # 172,800
    "POT-03": 150_000 * 0.035 + 30_000,  # 35,250
}
ONE_OFF = ("PCS-01",)


# --- Reporting against plan (issue 10, point 2) ---------------------------------------------------
# The plan of each month April..March, by hand from each line's full-year effect, start month and
# ramp (DOMAIN.md F6: month n of a ramp of r delivers n/r of the run rate), and a one-off in its
# month; then the example's typed actuals (April..September) and forecasts (October..March), each
# the plan times the owner's view for the line's status, rounded to the pound as typed.


def _from(month: int, run_rate: float, ramp: tuple[float, ...] = ()) -> list[float]:
    """``run_rate`` a month from month ``month`` (1 = April), the first months ``ramp`` of it."""
    shares = [0.0] * (month - 1) + list(ramp)
    shares += [1.0] * (12 - len(shares))
    return [run_rate * share for share in shares]


PLAN_BY_MONTH = {
    "PW-01": _from(2, pence(RT_01) / 12),  # May
    "PW-02": _from(4, pence(RT_02) / 12, (1 / 3, 2 / 3)),  # July, ramp 3
    "PW-03": _from(6, pence(RT_03) / 12),  # September
    "PW-04": _from(7, 36000 / 12, (1 / 2,)),  # October, ramp 2
    "PMH-01": _from(3, pence(RT_04) / 12),  # June
    "PCS-01": [0, 0, 134_000] + [0] * 9,  # one-off, June
    "PCS-02": _from(5, pence(RT_05) / 12, (1 / 2,)),  # August, ramp 2
    "PW-05": _from(1, 11_500 / 12),  # April
    "POT-01": _from(7, 2_000_000 / 12, (1 / 3, 2 / 3)),  # October, ramp 3
    "POT-02": _from(10, 172_800 / 12),  # January
    "POT-03": _from(10, 35_250 / 12),  # assets: January, no ramp
}
STATUS_NAME = {
    "PW-01": "Blue",
    "PW-02": "Green",
    "PW-03": "Amber",
    "PW-04": "Red",
    "PMH-01": "Green",
    "PCS-01": "Blue",
    "PCS-02": "Amber",
    "PW-05": "Green",
    "POT-01": "Amber",
    "POT-02": "Red",
    "POT-03": "Green",
}
MONTHS_CLOSED = 6  # April to September
# the owner's view against plan, by status: actuals to date, and forecasts of the months to come
ACTUAL_SHARE = {"Blue": 1.0, "Green": 0.95, "Amber": 0.75, "Red": 0.4}
FORECAST_SHARE = {"Blue": 1.0, "Green": 1.0, "Amber": 0.8, "Red": 0.5}
ACTUAL_BY_MONTH = {
    line: [round(plan[m] * ACTUAL_SHARE[STATUS_NAME[line]]) for m in range(MONTHS_CLOSED)]
    for line, plan in PLAN_BY_MONTH.items()
}
FORECAST_BY_MONTH = {
    line: [round(plan[m] * FORECAST_SHARE[STATUS_NAME[line]]) for m in range(MONTHS_CLOSED, 12)]
    for line, plan in PLAN_BY_MONTH.items()
}


def chart_gaps(months_closed: int) -> list[str]:
    """The Dashboard cells left #N/A on purpose: the actual of each month not closed yet, a
    gap in the monthly chart. Every other cell of the example and the template shows no error."""
    from productive_xl.tracker.template.dashboard import BY_MONTH_ROW

    first = BY_MONTH_ROW + 1 + months_closed
    return [f"Dashboard!D{row}" for row in range(first, BY_MONTH_ROW + 13)]
