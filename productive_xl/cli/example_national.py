"""``productive-xl example --national DIR``: the national example's trackers, and what to run
next."""

from __future__ import annotations

import sys
from pathlib import Path

from productive_xl.tracker.national import ILLUSTRATIVE, NATIONAL_ESTIMATE, write_national_example


def national_example(folder: Path, organisations: int) -> int:
    try:
        written = write_national_example(folder, organisations, lambda line: print(f"  {line}"))
    except ValueError as error:
        print(f"productive-xl example: {error}", file=sys.stderr)
        return 2
    print(f"\n{len(written)} trackers in {folder}, refreshed and recalculated.")
    print(ILLUSTRATIVE)
    print("The NHS Institute's national estimate they add up to (full-year effect):")
    for programme, figure in NATIONAL_ESTIMATE.items():
        print(f"  {programme}: £{figure:,.2f}")
    print(f"  Total: £{sum(NATIONAL_ESTIMATE.values()):,.2f}")
    print(f'\nConsolidate them: productive-xl consolidate "{folder}"/*.xlsm -o rollup.xlsx')
    incomplete = [t for t in written if not t.report.complete]
    return 3 if incomplete else 0
