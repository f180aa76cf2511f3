"""Where a command may write, checked before any work starts (each refusal is exit 2).

- ``-o`` naming the workbook itself (by any name: a link, another hard link) needs
  ``--in-place``, so that replacing the input is always asked for in so many words;
- an output or report that is a folder, a device, a pipe or a socket is refused, as is a file
  with other hard links, which replacing it would split from them
  (:func:`~productive_xl.ooxml.writer.check_target`);
- a report naming the workbook or the output is refused: it would replace the workbook with
  JSON;
- new-tracker and attach do not replace an existing file without ``--force``.
"""

from __future__ import annotations

import os
from pathlib import Path

from productive_xl.cli.failures import Refused
from productive_xl.ooxml.writer import UnsafeTarget, check_target


def same_file(one: Path, other: Path) -> bool:
    """Whether two paths lead to the same file (or would: the same path once links are
    followed, when neither exists yet)."""
    try:
        return os.path.samefile(one, other)
    except OSError:
        return os.path.realpath(one) == os.path.realpath(other)


def _checked(path: Path, what: str) -> None:
    try:
        check_target(path)
    except UnsafeTarget as error:
        raise Refused(f"{what} {error}".strip()) from None


def check_rewrite(
    workbook: Path, output: Path | None, report: Path | None, *, in_place: bool
) -> None:
    """The checks of recalc and refresh: ``output`` (None with ``in_place``) and ``report``."""
    if output is not None and same_file(output, workbook):
        raise Refused(f"-o {output}: names the workbook itself; use --in-place to replace it")
    target = workbook if in_place or output is None else output
    if output is not None:
        _checked(output, "-o")
    else:
        _checked(workbook, "--in-place:")
    if report is not None:
        for other, what in ((workbook, "the workbook"), (target, "the output")):
            if same_file(report, other):
                raise Refused(f"--report {report}: names {what}, which it would replace")
        _checked(report, "--report")


def check_new(path: Path, *, force: bool, option: str = "") -> None:
    """The check of a file new-tracker or attach writes: not over an existing one unless
    ``force``."""
    name = f"{option} {path}" if option else str(path)
    _checked(path, option)
    if os.path.lexists(path) and not force:
        raise Refused(f"{name}: exists already; add --force to replace it")
