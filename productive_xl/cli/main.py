"""`productive-xl`: the command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from productive_xl import __version__
from productive_xl.cli.text_table import text_table

if TYPE_CHECKING:  # the commands import what they use when they run, to start quickly
    from productive_xl.headless.report import RecalcReport

EXIT_PARTLY_RECALCULATED = 3
EXIT_UNUSABLE_INPUT = 4
EXIT_BAD_ARGUMENTS = 2  # as argparse uses for arguments it refuses


def _show(value: object) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:,.4f}" if abs(value) < 100 else f"{value:,.2f}"
    return str(value)


def _example(args: argparse.Namespace) -> int:
    if args.functions:
        return _function_tour(args.workbook.with_suffix(".xlsx"))
    from productive_xl.cli.example_tracker import AMOUNTS, run_example_tracker  # noqa: PLC0415
    from productive_xl.tracker.layout import RollupColumn  # noqa: PLC0415

    run = run_example_tracker(args.workbook)
    rows = [
        {
            header: f"{value:,.2f}" if header in AMOUNTS else ("" if value is None else str(value))
            for header, value in row.items()
        }
        for row in run.rollup_with_total()
    ]
    print(
        f"The example trust's benefits tracker, built, refreshed and recalculated as a server "
        f"would ({args.workbook}).\nIts rollup (tblRollup), in pounds:\n"
    )
    print(text_table([column.value for column in RollupColumn], rows, right=AMOUNTS))
    print(f"\nMaster check: {_show_check(run.master_check)} (0 when all is well)")
    print(run.refresh.summary())
    print(run.report.summary())
    return 0 if run.report.complete else EXIT_PARTLY_RECALCULATED


def _show_check(value: object) -> str:
    return f"{value:g}" if isinstance(value, float | int) else str(value)


def _function_tour(workbook: Path) -> int:
    from productive_xl.cli.example_functions import EXAMPLE_YEAR, worked_example  # noqa: PLC0415

    lines, report = worked_example(workbook)
    rows = [{header: _show(value) for header, value in line.items()} for line in lines]
    print(
        f"A worked example through the PRODUCTIVE_* functions, in a {EXAMPLE_YEAR} workbook\n"
        f"that productive-xl recalc has just recalculated ({workbook}):\n"
    )
    print(text_table(["Benefit", "Formula", "Result"], rows, right=["Result"]))
    print("\n" + report.summary())
    return 0 if report.complete else EXIT_PARTLY_RECALCULATED


def _functions(args: argparse.Namespace) -> int:
    from productive_xl.cli.function_reference import function_reference, function_table  # noqa: PLC0415

    print(function_reference() if args.markdown else function_table(), end="")
    return 0


def _vba_functions(args: argparse.Namespace) -> int:
    from productive_xl.excel.vba_functions import (  # noqa: PLC0415
        VBA_ENCODING,
        vba_functions_module,
    )

    text = vba_functions_module().encode(VBA_ENCODING)
    if args.output is None:
        sys.stdout.buffer.write(text)
        return 0
    if args.check:
        if not args.output.exists() or args.output.read_bytes() != text:
            print(
                f"{args.output} is out of date: run `productive-xl vba-functions -o {args.output}`"
            )
            return 1
        return 0
    args.output.write_bytes(text)
    return 0


def _recalc(args: argparse.Namespace) -> int:
    from productive_xl.cli.progress import terminal_progress  # noqa: PLC0415
    from productive_xl.headless.recalc import recalc  # noqa: PLC0415
    from productive_xl.ooxml.package import UnusableWorkbook  # noqa: PLC0415

    try:
        with terminal_progress(args.workbook.name) as progress:
            report = recalc(
                args.workbook, args.output or args.workbook, progress, timeout=args.timeout
            )
    except UnusableWorkbook as error:
        print(f"productive-xl recalc: {error}", file=sys.stderr)
        return EXIT_UNUSABLE_INPUT
    return _reported(args, report)


def _reported(args: argparse.Namespace, report: RecalcReport) -> int:
    """Write the recalculation's report where --report says, show its summary, and give the
    exit status it calls for."""
    if args.report:
        args.report.write_text(report.to_json() + "\n", encoding="utf-8")
    print(report.summary())
    return 0 if report.complete else EXIT_PARTLY_RECALCULATED


def _refresh(args: argparse.Namespace) -> int:
    import getpass  # noqa: PLC0415

    from productive_xl.cli.progress import terminal_progress  # noqa: PLC0415
    from productive_xl.ooxml.package import UnusableWorkbook  # noqa: PLC0415
    from productive_xl.tracker.refresh_file import refresh_file  # noqa: PLC0415

    user = args.user or getpass.getuser()
    try:
        with terminal_progress(args.workbook.name) as progress:
            result, report = refresh_file(args.workbook, args.output, user, progress=progress)
    except UnusableWorkbook as error:
        print(f"productive-xl refresh: {error}", file=sys.stderr)
        return EXIT_UNUSABLE_INPUT
    print(result.summary())
    return _reported(args, report)


def _attach(args: argparse.Namespace) -> int:
    from productive_xl.ooxml.package import UnusableWorkbook  # noqa: PLC0415
    from productive_xl.tracker.attach import attach  # noqa: PLC0415

    try:
        result = attach(args.workbook, args.output)
    except UnusableWorkbook as error:
        print(f"productive-xl attach: {error}", file=sys.stderr)
        return EXIT_UNUSABLE_INPUT
    except ValueError as error:
        print(f"productive-xl attach: {error}", file=sys.stderr)
        return EXIT_BAD_ARGUMENTS
    print(result.summary())
    return 0


def _new_tracker(args: argparse.Namespace) -> int:
    from productive_xl.tracker.template.build import build_tracker  # noqa: PLC0415

    if args.workbook.suffix.lower() != ".xlsm":
        print(
            f"productive-xl new-tracker: {args.workbook}: the tracker holds macros (its ribbon "
            "and functions), so it must be saved as .xlsm",
            file=sys.stderr,
        )
        return EXIT_BAD_ARGUMENTS
    try:
        report = build_tracker(args.workbook, example=args.example)
    except OSError as error:
        print(f"productive-xl new-tracker: cannot write {args.workbook}: {error}", file=sys.stderr)
        return 1
    what = "example tracker" if args.example else "tracker template"
    print(f"{args.workbook}: {what}, {report.formula_cells} formula cells calculated")
    return 0 if report.complete else EXIT_PARTLY_RECALCULATED


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not seconds > 0 or seconds == float("inf"):
        raise argparse.ArgumentTypeError(f"not a number of seconds above 0: {text!r}")
    return seconds


def _where_to_write(command: argparse.ArgumentParser, what: str, done: str) -> None:
    """-o OUT or --in-place, one of them required."""
    where = command.add_mutually_exclusive_group(required=True)
    where.add_argument("-o", "--output", type=Path, help=f"Write the {done} {what} here.")
    where.add_argument(
        "--in-place", action="store_true", help=f"Replace the {what} with its {done} self."
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="productive-xl",
        description="The financial benefits of the NHS Productive Series, in Excel workbooks.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    example = commands.add_parser(
        "example",
        help="Build the example trust's tracker, refresh and recalculate it, and show its rollup.",
    )
    example.add_argument(
        "--workbook",
        type=Path,
        default=Path("productive-xl-example.xlsm"),
        help="Where to write the example tracker (default: %(default)s).",
    )
    example.add_argument(
        "--functions",
        action="store_true",
        help="Instead, a short tour of the PRODUCTIVE_* functions in a small workbook.",
    )
    example.set_defaults(run=_example)

    functions = commands.add_parser("functions", help="List the PRODUCTIVE_* cell functions.")
    functions.add_argument(
        "--markdown", action="store_true", help="Print the function reference in Markdown."
    )
    functions.set_defaults(run=_functions)

    vba = commands.add_parser(
        "vba-functions", help="Write the VBA module that serves the functions in a workbook."
    )
    vba.add_argument("-o", "--output", type=Path, help="File to write (default: standard output).")
    vba.add_argument(
        "--check", action="store_true", help="Only check that OUTPUT is up to date (exit 1 if not)."
    )
    vba.set_defaults(run=_vba_functions)

    recalc = commands.add_parser(
        "recalc",
        help="Recalculate every formula of a workbook, PRODUCTIVE_* included, and save the values.",
        description="Evaluate every formula of an .xlsx/.xlsm and write the new values into the "
        "file, changing nothing else in it. Exit status: 0 when every formula cell was "
        f"recalculated, {EXIT_PARTLY_RECALCULATED} when some could not be (they keep their old "
        f"values; see --report; also when the engine refuses the workbook or --timeout runs out: "
        f"then every formula keeps its value), {EXIT_UNUSABLE_INPUT} when the file is not a "
        "workbook that can be recalculated (nothing is written).",
    )
    recalc.add_argument("workbook", type=Path, help="The .xlsx or .xlsm workbook.")
    _where_to_write(recalc, "workbook", "recalculated")
    recalc.add_argument(
        "--report", type=Path, help="Write a JSON report: changed, not recalculated, errors."
    )
    recalc.add_argument(
        "--timeout",
        type=_seconds,
        metavar="SECONDS",
        help="Stop computing after SECONDS: every formula then keeps its value (exit "
        f"{EXIT_PARTLY_RECALCULATED}). The work runs in a child process that is killed then.",
    )
    recalc.set_defaults(run=_recalc)

    refresh = commands.add_parser(
        "refresh",
        help="Refresh a tracker (check the register, write the findings, extend the rollup, "
        "stamp it), then recalculate it.",
        description="Check the tracker's register and write the findings to its Checks sheet, "
        "add rollup rows for new programmes, wards or years, stamp RefreshedAt and RefreshedBy, "
        "then recalculate every formula, and write the workbook, changing nothing else in it. "
        f"Exit status: 0 when done and every formula cell was recalculated, "
        f"{EXIT_PARTLY_RECALCULATED} when some could not be (see --report), "
        f"{EXIT_UNUSABLE_INPUT} when the file is not a workbook, or not a tracker (a table, "
        "column or name the refresh needs is missing): nothing is written then. Findings in "
        "the register do not change the exit status: they are the tracker's to show.",
    )
    refresh.add_argument("workbook", type=Path, help="The tracker (.xlsx or .xlsm).")
    _where_to_write(refresh, "tracker", "refreshed")
    refresh.add_argument(
        "--user", help="Who to record in RefreshedBy (default: the login name running it)."
    )
    refresh.add_argument("--report", type=Path, help="Write the recalculation's JSON report here.")
    refresh.set_defaults(run=_refresh)

    attach = commands.add_parser(
        "attach",
        help="Add the Productive ribbon, its VBA and the tracker's Inputs and Checks sheets to a "
        "workbook.",
        description="Write OUTPUT (an .xlsm): WORKBOOK with the Productive ribbon tab, a VBA "
        "project holding xlwings' module and productive_xl's (the workbook's own modules are "
        "kept), the xlwings.conf sheet, and the Inputs and Checks sheets where it has none. "
        "Every other part of the file is copied unchanged. Exit status: 0 when written, "
        f"{EXIT_BAD_ARGUMENTS} when OUTPUT is not an .xlsm, {EXIT_UNUSABLE_INPUT} when WORKBOOK "
        "cannot be attached to (nothing is written).",
    )
    attach.add_argument("workbook", type=Path, help="The team's .xlsx or .xlsm workbook.")
    attach.add_argument(
        "-o", "--output", type=Path, required=True, help="The .xlsm to write (may be WORKBOOK)."
    )
    attach.set_defaults(run=_attach)

    tracker = commands.add_parser(
        "new-tracker",
        help="Build the benefits tracker workbook, empty or filled with an example trust.",
    )
    tracker.add_argument("workbook", type=Path, help="The .xlsm workbook to write.")
    tracker.add_argument(
        "--example", action="store_true", help="Fill it with the example trust's benefits."
    )
    tracker.set_defaults(run=_new_tracker)

    from productive_xl.batch.command import register as register_batch  # noqa: PLC0415

    register_batch(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    status: int = args.run(args)
    return status


if __name__ == "__main__":
    sys.exit(main())
