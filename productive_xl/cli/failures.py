"""Every failure of every command as one line and a documented exit status: the one place.

``main`` hands whatever a command raises to :func:`failure`, which says what went wrong in one
line naming the file, and which exit status it calls for. The line is made safe to print: a
member name or a parser's message may carry line breaks or terminal control characters, and
those are written as escapes, so one failure is always one line.
"""

from __future__ import annotations

import errno
import os
import unicodedata
from pathlib import Path

from productive_xl.headless.unusable_input import input_problem
from productive_xl.ooxml.file_guard import ChangedMeanwhile
from productive_xl.ooxml.package import UnusableWorkbook
from productive_xl.ooxml.writer import UnsafeTarget

EXIT_OUT_OF_DATE = 1  # `vba-functions --check` found the file out of date
EXIT_BAD_ARGUMENTS = 2  # as argparse uses for arguments it refuses
EXIT_PARTLY_RECALCULATED = 3
EXIT_UNUSABLE_INPUT = 4
EXIT_ENVIRONMENT = 5
EXIT_INTERRUPTED = 130  # as a shell reports a command ended by Ctrl+C

# Set to see the traceback of a failure instead of its line (for those working on productive_xl).
TRACEBACK_VARIABLE = "PRODUCTIVE_XL_TRACEBACK"

_LONGEST = 600  # characters of a line, past which it is cut

_ENVIRONMENT = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EISDIR: "is a folder",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.ENOENT: "no such file or folder",
    errno.EIO: "the disk reported an input/output error",
    errno.EMFILE: "too many files are open",
    errno.ENAMETOOLONG: "the name is too long",
}


class Refused(Exception):
    """An argument the command cannot take (exit 2): the message names it and says why."""


def one_line(text: str) -> str:
    """``text`` with every line break and control character written as an escape (``\\n``,
    ``\\x1b``), so that it prints as one line and cannot move the terminal's cursor."""
    out = []
    for character in text:
        if character in "\r\n\t":
            out.append(repr(character)[1:-1])
        elif unicodedata.category(character) in ("Cc", "Cf", "Zl", "Zp", "Cs"):
            out.append(character.encode("unicode_escape").decode("ascii"))
        else:
            out.append(character)
    line = "".join(out)
    return line if len(line) <= _LONGEST else line[: _LONGEST - 3] + "..."


def _os_failure(error: OSError, subject: Path | None) -> str:
    reason = _ENVIRONMENT.get(error.errno or 0) or error.strerror or str(error)
    name = error.filename
    if name is None:
        return f"{subject}: {reason}; nothing was written" if subject is not None else reason
    path = Path(os.fsdecode(name))
    if path.name.startswith(".") and path.name.endswith((".tmp", ".previous")):
        # a temporary file of ours: the folder it was being written in is what the user knows
        return f"cannot write in {path.parent}: {reason}; nothing was written"
    return f"{path}: {reason}; nothing was written"


def failure(error: BaseException, subject: Path | None) -> tuple[int, str]:
    """The exit status and the one line that tell of ``error``, raised by a command working on
    ``subject`` (its workbook)."""
    status, text = _described(error, subject)
    return status, one_line(text)


def _described(error: BaseException, subject: Path | None) -> tuple[int, str]:
    if isinstance(error, Refused | UnsafeTarget):
        return EXIT_BAD_ARGUMENTS, str(error)
    if isinstance(error, UnusableWorkbook):
        return EXIT_UNUSABLE_INPUT, str(error)
    if isinstance(error, ChangedMeanwhile):
        return EXIT_ENVIRONMENT, str(error)
    if isinstance(error, OSError):
        return EXIT_ENVIRONMENT, _os_failure(error, subject)
    if isinstance(error, MemoryError):
        return EXIT_ENVIRONMENT, f"{subject}: not enough memory to work on it; nothing was written"
    if isinstance(error, KeyboardInterrupt):
        return EXIT_INTERRUPTED, "interrupted; nothing was written"
    problem = input_problem(error)
    if problem is not None:
        return EXIT_UNUSABLE_INPUT, f"{subject}: {problem}"
    # A fault of productive_xl's own that this workbook brings out: still one line, and the
    # input is still the thing the user can change.
    return EXIT_UNUSABLE_INPUT, (
        f"{subject}: could not be worked on (an unexpected {type(error).__name__}: {error}); "
        f"nothing was written. Set {TRACEBACK_VARIABLE}=1 to see where, and please report it"
    )
