"""The `productive-xl batch` command: its arguments, and the lines it prints."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from productive_xl.batch.inputs import BadInputs
from productive_xl.batch.outcome import (
    EXIT_ENVIRONMENT,
    EXIT_PARTLY_RECALCULATED,
    EXIT_UNUSABLE_INPUT,
    EXIT_WORKER_FAILED,
)
from productive_xl.batch.run import BatchOptions, BatchResult, run_batch
from productive_xl.batch.workers import ClusterUnavailable

EXIT_BAD_ARGUMENTS = 2
EXIT_INTERRUPTED = 130  # as a shell reports a command stopped by Ctrl+C


def _positive(kind: type[int] | type[float], what: str) -> Any:
    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            value = 0
        if not 0 < value < float("inf"):
            raise argparse.ArgumentTypeError(f"not {what} above 0: {text!r}")
        return value

    return parse


def register(commands: Any) -> None:
    """Add `batch` to the command line's subcommands."""
    batch = commands.add_parser(
        "batch",
        help="Recalculate or refresh many workbooks (files, folders, globs) into a folder, on "
        "local worker processes or a Dask cluster.",
        description="Recalculate (recalc) or refresh every workbook of INPUTS (files, folders "
        "searched for .xlsx and .xlsm, glob patterns) and write each to OUT under its name, with "
        "its JSON report beside it (NAME.report.json), and summary.csv and summary.json for the "
        "whole batch. Each workbook is worked on in a process of its own, stopped at --timeout "
        "or --memory-limit; nothing one workbook does stops the others. A rerun into the same "
        "OUT does only what is new or changed. Exit status: the worst of the files': 0 all "
        f"recalculated, {EXIT_PARTLY_RECALCULATED} some cells kept their values, "
        f"{EXIT_UNUSABLE_INPUT} an input that cannot be used, {EXIT_ENVIRONMENT} a file that "
        f"could not be read or written, {EXIT_WORKER_FAILED} a workbook's work timed out, went "
        f"over the memory limit or crashed; {EXIT_BAD_ARGUMENTS} for bad arguments.",
    )
    batch.add_argument("operation", choices=["recalc", "refresh"], help="What to do to each.")
    batch.add_argument("inputs", nargs="+", metavar="INPUTS", help="Workbooks, folders, globs.")
    batch.add_argument(
        "--out", type=Path, required=True, help="The folder to write outputs and summaries to."
    )
    where = batch.add_mutually_exclusive_group()
    where.add_argument(
        "--jobs",
        type=_positive(int, "a whole number"),
        help="Local worker processes (default: one per core).",
    )
    where.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="Send the work to the Dask cluster whose scheduler is at ADDRESS "
        "(tcp://HOST:PORT); its workers must see INPUTS and OUT at the same paths.",
    )
    batch.add_argument(
        "--timeout",
        type=_positive(float, "a number of seconds"),
        default=600.0,
        metavar="SECONDS",
        help="Stop a workbook's work after SECONDS (default %(default)g).",
    )
    batch.add_argument(
        "--memory-limit",
        type=_positive(float, "a number of MiB"),
        default=4096.0,
        metavar="MIB",
        help="Stop a workbook's work when its process holds more than MIB of memory "
        "(default %(default)g).",
    )
    batch.add_argument(
        "--recycle-after",
        type=_positive(int, "a whole number"),
        default=100,
        metavar="N",
        help="Replace a local worker process by a fresh one after N workbooks "
        "(default %(default)d).",
    )
    batch.add_argument(
        "--in-place",
        action="store_true",
        help="Write each workbook over its input (reports and summaries still go to OUT).",
    )
    batch.add_argument(
        "--retry-failed",
        action="store_true",
        help="Take again only the workbooks whose last outcome was a failure (timed out, over "
        "the memory limit, crashed, unusable, not readable).",
    )
    batch.add_argument("--user", help="Who to record in RefreshedBy (refresh; default: you).")
    batch.set_defaults(run=run_command)


def _last_lines(result: BatchResult) -> list[str]:
    counts = Counter(outcome.status for outcome in result.outcomes)
    carried = len(result.outcomes) - result.done_now
    lines = [
        f"{len(result.outcomes):,} workbooks: "
        + ", ".join(f"{count:,} {status}" for status, count in sorted(counts.items()))
        + f" ({result.done_now:,} done now in {result.seconds:.1f} s, "
        f"{carried:,} from earlier runs)"
    ]
    now = result.outcomes[len(result.outcomes) - result.done_now :]
    if now:
        lines.append(
            f"peak memory: {max(o.peak_mib for o in now):,.0f} MiB for a workbook's process, "
            f"{max(o.worker_mib for o in now):,.0f} MiB for a worker"
        )
    for outcome in result.outcomes:
        if outcome.exit_status >= EXIT_UNUSABLE_INPUT:
            lines.append(f"  {outcome.file}: {outcome.status}: {outcome.message}")
    return lines


def run_command(args: argparse.Namespace) -> int:
    options = BatchOptions(
        operation=args.operation,
        inputs=args.inputs,
        out=args.out,
        jobs=args.jobs or os.cpu_count() or 1,
        scheduler=args.scheduler,
        timeout=args.timeout,
        memory_limit_mib=args.memory_limit,
        recycle_after=args.recycle_after,
        in_place=args.in_place,
        retry_failed=args.retry_failed,
        user=args.user or getpass.getuser(),
    )
    try:
        result = run_batch(options)
    except BadInputs as error:
        print(f"productive-xl batch: {error}", file=sys.stderr)
        return EXIT_BAD_ARGUMENTS
    except ClusterUnavailable as error:
        print(f"productive-xl batch: {error}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    except OSError as error:
        print(f"productive-xl batch: {args.out}: {error.strerror or error}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    except KeyboardInterrupt:
        print(
            f"productive-xl batch: interrupted; what was done is in {args.out / 'summary.csv'}, "
            "and the same command again does the rest",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    print("\n".join(_last_lines(result)))
    print(f"summary: {args.out / 'summary.csv'}")
    return result.exit_status
