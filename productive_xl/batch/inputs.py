"""The workbooks a batch works on, from the files, folders and glob patterns it is given, each
with the name it takes under the output folder."""

from __future__ import annotations

import glob
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
_GLOB_CHARACTERS = frozenset("*?[")


class BadInputs(ValueError):
    """An input names nothing, or two inputs would be written to the same place."""


@dataclass(frozen=True)
class Input:
    """A workbook to work on: where it is, and its name under the output folder."""

    source: Path
    name: PurePosixPath


def _is_workbook(path: Path) -> bool:
    # "~$Book.xlsx" is the lock file Excel keeps beside a workbook it has open; ".Book.*.tmp" a
    # write under way
    return (
        path.suffix.lower() in WORKBOOK_SUFFIXES
        and not path.name.startswith(("~$", "."))
        and path.is_file()
    )


def _under(path: Path, folder: Path | None) -> bool:
    return folder is not None and path.resolve().is_relative_to(folder)


def _in_folder(folder: Path, skip: Path | None) -> list[Input]:
    found = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        hidden = any(part.startswith(".") for part in relative.parts[:-1])
        if not hidden and _is_workbook(path) and not _under(path, skip):
            found.append(Input(path, PurePosixPath(relative.as_posix())))
    return found


def _matching(pattern: str, skip: Path | None) -> list[Input]:
    parts = Path(pattern).parts
    fixed = next(i for i, part in enumerate(parts) if _GLOB_CHARACTERS & set(part))
    base = Path(*parts[:fixed]) if fixed else Path()
    found = []
    for match in sorted(glob.glob(pattern, recursive=True)):
        path = Path(match)
        if _is_workbook(path) and not _under(path, skip):
            found.append(Input(path, PurePosixPath(path.relative_to(base).as_posix())))
    return found


def find_inputs(arguments: list[str], output_folder: Path | None = None) -> list[Input]:
    """The workbooks named by ``arguments``: a file is taken as it is (named by its file name),
    a folder for every .xlsx and .xlsm under it (named by their path inside it), a glob pattern
    (``trusts/*/tracker.xlsm``, ``**`` for any depth) for the workbooks it matches (named by their
    path from the pattern's first folder with a wildcard). Anything under ``output_folder`` is
    left out, so a batch writing inside the folder it reads does not take its own outputs.

    Raises :class:`BadInputs` naming the argument when a file or folder does not exist, or the
    two inputs when two would have the same name.
    """
    skip = output_folder.resolve() if output_folder is not None else None
    found: list[Input] = []
    for argument in arguments:
        path = Path(argument)
        if path.is_dir():
            found += _in_folder(path, skip)
        elif path.is_file():
            found.append(Input(path, PurePosixPath(path.name)))
        elif _GLOB_CHARACTERS & set(argument):
            found += _matching(argument, skip)
        else:
            raise BadInputs(f"{argument}: no such file or folder")
    by_name: dict[PurePosixPath, Input] = {}
    for item in found:
        earlier = by_name.get(item.name)
        if earlier is not None and earlier.source.resolve() != item.source.resolve():
            raise BadInputs(
                f"{earlier.source} and {item.source} would both be written as {item.name}: "
                "give their folders instead, or run them as two batches"
            )
        by_name[item.name] = item
    return list(by_name.values())
