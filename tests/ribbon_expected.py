"""The Productive ribbon's six buttons as the README lists them: what the tests expect of the
ribbon's XML, its VBA callbacks and the Python they call, written down once."""

from __future__ import annotations

LABELS = {
    "Refresh tracker",
    "Check inputs",
    "Add benefit line",
    "Update rates for year",
    "Explain error",
    "About",
}
PYTHON_FUNCTIONS = {
    "refresh_tracker",
    "check_inputs",
    "add_benefit_line",
    "update_rates_for_year",
    "explain_error",
    "about",
}
