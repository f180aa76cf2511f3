"""`productive-xl`: the command line."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from productive_xl import __version__
from productive_xl.cli.failures import (
    EXIT_BAD_ARGUMENTS,
    EXIT_ENVIRONMENT,
    EXIT_OUT_OF_DATE,
    EXIT_PARTLY_RECALCULATED,
    EXIT_UNUSABLE_INPUT,
    TRACEBACK_VARIABLE,
    failure,
)
from productive_xl.cli.outputs import check_new, check_rewrite
from productive_xl.cli.text_table import text_table
from productive_xl.core.errors import InvalidValue
from productive_xl.core.financial_year import FinancialYear

if TYPE_CHECKING:  # the commands import what they use when they run, to start quickly
    from productive_xl.headless.report import RecalcReport

__all__ = [
    "EXIT_BAD_ARGUMENTS",
    "EXIT_ENVIRONMENT",
    "EXIT_PARTLY_RECALCULATED",
    "EXIT_UNUSABLE_INPUT",
    "build_parser",
    "main",
]


def _show(value: object) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:,.4f}" if abs(value) < 100 else f"{value:,.2f}"
    return str(value)


def _example(args: argparse.Namespace) -> int:
    if args.functions:
        return _function_tour(args.workbook.with_suffix(".xlsx"))
    if args.national:
        from productive_xl.cli.example_national import national_example  # noqa: PLC0415

        return national_example(args.national, args.organisations)
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
            return EXIT_OUT_OF_DATE
        return 0
    args.output.write_bytes(text)
    return 0


def _officejs(args: argparse.Namespace) -> int:
    from productive_xl.officejs.addin import base_url, write_addin  # noqa: PLC0415
    from productive_xl.officejs.pyodide_runtime import PyodideNotFound, find_pyodide  # noqa: PLC0415

    try:
        written = write_addin(args.out_dir, base_url(args.base_url), find_pyodide(args.pyodide))
    except ValueError as error:
        print(f"productive-xl officejs: {error}", file=sys.stderr)
        return EXIT_BAD_ARGUMENTS
    # an OSError (a folder that cannot be written) is told by the one place for failures
    except PyodideNotFound as error:
        print(f"productive-xl officejs: {error}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    print(written.summary())
    return 0


def _recalc(args: argparse.Namespace) -> int:
    from productive_xl.cli.progress import terminal_progress  # noqa: PLC0415
    from productive_xl.headless.recalc import recalc  # noqa: PLC0415

    check_rewrite(args.workbook, args.output, args.report, in_place=args.in_place)
    with terminal_progress(args.workbook.name) as progress:
        report = recalc(
            args.workbook,
            args.output or args.workbook,
            progress,
            timeout=args.timeout,
            report_to=args.report,
        )
    return _reported(report)


def _reported(report: RecalcReport) -> int:
    """Show the recalculation's summary (its report, if asked for, was written with the
    workbook), and give the exit status it calls for."""
    print(report.summary())
    return 0 if report.complete else EXIT_PARTLY_RECALCULATED


def _refresh(args: argparse.Namespace) -> int:
    import getpass  # noqa: PLC0415

    from productive_xl.cli.progress import terminal_progress  # noqa: PLC0415
    from productive_xl.tracker.refresh_file import refresh_file  # noqa: PLC0415

    check_rewrite(args.workbook, args.output, args.report, in_place=args.in_place)
    user = args.user or getpass.getuser()
    with terminal_progress(args.workbook.name) as progress:
        result, report = refresh_file(
            args.workbook, args.output, user, progress=progress, report_to=args.report
        )
    print(result.summary())
    return _reported(report)


def _attach(args: argparse.Namespace) -> int:
    from productive_xl.tracker.attach import attach  # noqa: PLC0415

    if args.output.suffix.lower() != ".xlsm":
        print(
            f"productive-xl attach: {args.output}: a workbook with macros must be saved as .xlsm",
            file=sys.stderr,
        )
        return EXIT_BAD_ARGUMENTS
    check_new(args.output, force=args.force, option="-o")
    result = attach(args.workbook, args.output)
    print(result.summary())
    return 0


def _financial_year(text: str) -> FinancialYear:
    try:
        return FinancialYear.parse(text, "--year")
    except InvalidValue as error:
        raise argparse.ArgumentTypeError(error.message) from None


def _new_tracker(args: argparse.Namespace) -> int:
    from productive_xl.tracker.template.build import build_tracker  # noqa: PLC0415
    from productive_xl.tracker.template.inputs import EXAMPLE_YEAR  # noqa: PLC0415

    if args.example and args.year not in (None, EXAMPLE_YEAR):
        print(
            f"productive-xl new-tracker: --year {args.year}: the example trust's tracker is for "
            f"{EXAMPLE_YEAR} (its lines, dates and actuals are that year's)",
            file=sys.stderr,
        )
        return EXIT_BAD_ARGUMENTS

    if args.workbook.suffix.lower() != ".xlsm":
        print(
            f"productive-xl new-tracker: {args.workbook}: the tracker holds macros (its ribbon "
            "and functions), so it must be saved as .xlsm",
            file=sys.stderr,
        )
        return EXIT_BAD_ARGUMENTS
    check_new(args.workbook, force=args.force)
    report = build_tracker(args.workbook, example=args.example, year=args.year)
    what = "example tracker" if args.example else "tracker template"
    print(f"{args.workbook}: {what}, {report.formula_cells} formula cells calculated")
    return 0 if report.complete else EXIT_PARTLY_RECALCULATED


def _consolidate(args: argparse.Namespace) -> int:
    from productive_xl.cli.consolidate import consolidate_command  # noqa: PLC0415

    return consolidate_command(args)


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


# Said by every command that writes a workbook, after its own statuses.
_EVERY_WRITER = (
    f" {EXIT_BAD_ARGUMENTS} when an argument is refused (an output or report that is a folder, "
    "a device, a pipe, the workbook itself, or a file with other hard links). "
    f"{EXIT_ENVIRONMENT} when the environment fails it: the disk is full, permission is denied, "
    "the file system is read-only, or the workbook changed while it was worked on. Every "
    "failure is one line on standard error, and then nothing is written."
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
    example.add_argument(
        "--national",
        type=Path,
        metavar="DIR",
        help="Instead, write the national example into DIR: a tracker per example organisation "
        "whose lines add up to the NHS Institute's national estimate (illustrative drivers).",
    )
    example.add_argument(
        "--organisations",
        type=int,
        default=6,
        help="With --national, how many example organisations, 2 to 6 (default: %(default)s).",
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

    officejs = commands.add_parser(
        "officejs",
        help="Write the Office add-in that serves the functions to Excel on the web and Mac.",
        description="Write into OUT_DIR the Office add-in a trust hosts on its own web server: "
        "the manifest, functions.json, the JavaScript that runs productive_xl's Python in "
        "Pyodide, the task pane, the wheel of the calculation part and Pyodide's files (from the "
        f"npm package). Exit status: 0 written, {EXIT_BAD_ARGUMENTS} a bad base URL or an OUT_DIR "
        f"holding other files, {EXIT_ENVIRONMENT} Pyodide not found or OUT_DIR not writable "
        "(OUT_DIR is left as it was).",
    )
    officejs.add_argument("out_dir", type=Path, metavar="OUT_DIR", help="Folder to write.")
    officejs.add_argument(
        "--base-url",
        default="https://localhost:3000/",
        help="The HTTPS address the trust serves OUT_DIR at (default: %(default)s).",
    )
    officejs.add_argument(
        "--pyodide",
        type=Path,
        metavar="DIR",
        help="The npm package pyodide's folder (default: the one `npm root` finds).",
    )
    officejs.set_defaults(run=_officejs)

    recalc = commands.add_parser(
        "recalc",
        help="Recalculate every formula of a workbook, PRODUCTIVE_* included, and save the values.",
        description="Evaluate every formula of an .xlsx/.xlsm and write the new values into the "
        "file, changing nothing else in it. Exit status: 0 when every formula cell was "
        f"recalculated, {EXIT_PARTLY_RECALCULATED} when some could not be (they keep their old "
        f"values; see --report; also when the engine refuses the workbook or --timeout runs out: "
        f"then every formula keeps its value), {EXIT_UNUSABLE_INPUT} when the file is not a "
        "workbook that can be recalculated, or makes the formula engine crash." + _EVERY_WRITER,
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
        "the register do not change the exit status: they are the tracker's to show."
        + _EVERY_WRITER,
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
        f"{EXIT_BAD_ARGUMENTS} when OUTPUT is not an .xlsm or exists (without --force), "
        f"{EXIT_UNUSABLE_INPUT} when WORKBOOK cannot be attached to." + _EVERY_WRITER,
    )
    attach.add_argument("workbook", type=Path, help="The team's .xlsx or .xlsm workbook.")
    attach.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        help="The .xlsm to write (may be WORKBOOK, with --force).",
    )
    attach.add_argument("--force", action="store_true", help="Replace OUTPUT if it exists.")
    attach.set_defaults(run=_attach)

    tracker = commands.add_parser(
        "new-tracker",
        help="Build the benefits tracker workbook, empty or filled with an example trust.",
        description="Write the benefits tracker workbook. Exit status: 0 when written, "
        f"{EXIT_BAD_ARGUMENTS} when WORKBOOK is not an .xlsm or exists (without --force)."
        + _EVERY_WRITER,
    )
    tracker.add_argument("workbook", type=Path, help="The .xlsm workbook to write.")
    tracker.add_argument("--force", action="store_true", help="Replace WORKBOOK if it exists.")
    tracker.add_argument(
        "--example", action="store_true", help="Fill it with the example trust's benefits."
    )
    tracker.add_argument(
        "--year",
        type=_financial_year,
        help='The financial year the tracker reports, e.g. "2026/27" (default: the current NHS '
        "financial year; the example's is 2025/26). Its pay points and on-costs are seeded "
        "from the latest scale productive_xl ships when it holds none for that year.",
    )
    tracker.set_defaults(run=_new_tracker)

    from productive_xl.cli.consolidate import add_consolidate  # noqa: PLC0415

    add_consolidate(commands, _consolidate)
    from productive_xl.batch.command import register as register_batch  # noqa: PLC0415

    register_batch(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command ``argv`` names; every failure ends here as one line on standard error
    and its exit status (:mod:`productive_xl.cli.failures`)."""
    args = build_parser().parse_args(argv)
    try:
        status: int = args.run(args)
    except SystemExit:
        raise
    except BaseException as error:  # a Rust panic derives from BaseException
        if os.environ.get(TRACEBACK_VARIABLE):
            raise
        status, line = failure(error, getattr(args, "workbook", None))
        print(f"productive-xl {args.command}: {line}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
