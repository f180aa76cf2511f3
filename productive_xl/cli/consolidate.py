"""``productive-xl consolidate``: its arguments and what it prints."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from productive_xl.cli.failures import EXIT_ENVIRONMENT, EXIT_UNUSABLE_INPUT


def _moment(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a date or date and time like 2026-04-15 or 2026-04-15T06:00: {text!r}"
        ) from None


def add_consolidate(commands: Any, run: Callable[[argparse.Namespace], int]) -> None:
    """Add the ``consolidate`` command to the parser's ``commands``."""
    command = commands.add_parser(
        "consolidate",
        help="Roll trackers up into one workbook: totals, exceptions and every line's source.",
        description="Read each tracker's register, phasing and checks (after recalc) and write "
        "a consolidated workbook: totals by programme, organisation, directorate, order of "
        "benefit, cash-releasing or not, recurrent or not and financial year (full-year, "
        "in-year, plan, forecast, actual, risk-adjusted, cash-releasing), each a formula over "
        "the Lines sheet, whose rows name their file, sheet and row; and the exceptions "
        "(master check not 0, not refreshed in the last month, lines also reported elsewhere, "
        "line IDs in more than one organisation). Exit status: 0 when written, "
        f"{EXIT_UNUSABLE_INPUT} when a tracker cannot be read (not a workbook, not a tracker, "
        f"not recalculated), {EXIT_ENVIRONMENT} when an output cannot be written or --parquet "
        "lacks pyarrow; nothing is written then.",
    )
    command.add_argument("trackers", type=Path, nargs="+", help="The trackers (.xlsx or .xlsm).")
    command.add_argument(
        "-o", "--output", type=Path, required=True, help="The consolidated workbook (.xlsx)."
    )
    command.add_argument(
        "--csv", type=Path, metavar="DIR", help="Also write the tables as CSV files into DIR."
    )
    command.add_argument(
        "--parquet",
        type=Path,
        metavar="DIR",
        help='Also write them as Parquet files into DIR (needs "productive-xl[parquet]").',
    )
    command.add_argument(
        "--as-of",
        type=_moment,
        metavar="WHEN",
        help="The moment a tracker refreshed more than a month before is late (default: now).",
    )
    command.set_defaults(run=run)


def consolidate_command(args: argparse.Namespace) -> int:
    from productive_xl.consolidation.exports import ParquetUnavailable  # noqa: PLC0415
    from productive_xl.consolidation.run import consolidate_files  # noqa: PLC0415

    if args.output.suffix.lower() != ".xlsx":
        print(
            f"productive-xl consolidate: {args.output}: the consolidated workbook is an .xlsx",
            file=sys.stderr,
        )
        return 2
    try:
        run = consolidate_files(
            args.trackers, args.output, csv=args.csv, parquet=args.parquet, as_of=args.as_of
        )
    except ParquetUnavailable as error:
        print(f"productive-xl consolidate: {error}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    # a tracker that cannot be read (exit 4) or an output that cannot be written (5) is told
    # by the CLI's one place for failures (productive_xl.cli.failures), as for every command
    result = run.result
    print(
        f"{args.output}: {len(result.trackers)} trackers, {len(result.lines)} lines, "
        f"{len(result.exceptions)} exceptions"
    )
    for programme in result.groups("Programme"):
        print(f"  {programme}: £{result.total('Full-year effect', 'Programme', programme):,.2f}")
    print(f"  Total full-year effect: £{result.total('Full-year effect'):,.2f}")
    return 0
