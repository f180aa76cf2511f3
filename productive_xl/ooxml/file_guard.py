"""No lost update: one writer of a workbook at a time, and no write over a file changed meanwhile.

recalc, refresh and attach read a workbook, work for a while, and write it back. Two of them on
the same file would each write what they read, and the first one's work would be lost. So each
holds an OS lock (``flock``) for the whole of it, and before it moves its output into place it
checks that the file it read is still the one it read (size, modification time and content):
a program that takes no lock (Excel on a shared folder, a copy) may have changed it.

The lock is taken on the workbook file itself, not on a lock file beside it: it is then the
same lock under every name of the file (a symbolic link, another hard link), and leaves nothing
behind in the user's folder. Since a writer replaces the file with a new one, a process that
was waiting for the lock checks, once it has it, that the name still leads to the file it
locked, and locks the new one when not. ``flock`` is released by the system when the process
ends, however it ends, so a killed writer never leaves the file locked.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows, where the ribbon's Python runs: no flock, only the changed check
    fcntl = None  # type: ignore[assignment]

# never blocking on opening: a pipe named where a workbook should be must not hang the command
_READ_ONLY = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)


class ChangedMeanwhile(Exception):
    """The file changed between being read and being written back over."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(
            f"{path}: changed while productive-xl was working on it (another program wrote it); "
            "nothing was written: run the command again"
        )


@dataclass(frozen=True)
class _Seen:
    """What a file was when read."""

    size: int
    modified_ns: int
    digest: bytes


def _seen(descriptor: int) -> _Seen:
    status = os.fstat(descriptor)
    digest = hashlib.sha256()
    os.lseek(descriptor, 0, os.SEEK_SET)
    while chunk := os.read(descriptor, 1 << 20):
        digest.update(chunk)
    return _Seen(status.st_size, status.st_mtime_ns, digest.digest())


def _seen_at(path: Path) -> _Seen | None:
    try:
        descriptor = os.open(path, _READ_ONLY)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return None  # a device or pipe is never read here (/dev/zero has no end)
        return _seen(descriptor)
    finally:
        os.close(descriptor)


@dataclass
class FileGuard:
    """The locks held on the files being worked on, and what the file read was when read."""

    read: Path
    seen: _Seen | None

    def check_unchanged(self) -> None:
        """Raise :class:`ChangedMeanwhile` when the file read is no longer what it was."""
        if self.seen is not None and _seen_at(self.read) != self.seen:
            raise ChangedMeanwhile(self.read)


def _locked_descriptor(path: Path) -> int | None:
    """A descriptor of the regular file at ``path``, locked for this process alone; None when
    there is no such file (a missing output, a folder, a pipe: those fail later, each with its
    own message, and are never opened here, where a pipe could block)."""
    while True:
        try:
            status = os.stat(path)
        except OSError:
            return None
        if not stat.S_ISREG(status.st_mode):
            return None
        try:
            descriptor = os.open(path, _READ_ONLY)
        except OSError:
            return None
        try:
            if fcntl is not None:
                fcntl.flock(descriptor, fcntl.LOCK_EX)  # waits while another holds it
            opened, now = os.fstat(descriptor), os.stat(path)
        except OSError:
            os.close(descriptor)
            return None
        if (opened.st_dev, opened.st_ino) == (now.st_dev, now.st_ino):
            return descriptor
        os.close(descriptor)  # replaced while we waited: lock the file that took its place


@contextlib.contextmanager
def guarded(read: Path, *written: Path) -> Iterator[FileGuard]:
    """Hold the lock of ``read`` and of each of ``written`` that exists while the block runs,
    and give the guard that checks ``read`` is unchanged before the output is moved into place.

    The files are locked in one order (by device and inode), so that two writers locking the
    same two files never wait for each other.
    """
    paths = {Path(os.path.realpath(read))} | {Path(os.path.realpath(p)) for p in written}
    order: list[tuple[tuple[int, int], Path]] = []
    for path in paths:
        with contextlib.suppress(OSError):
            status = os.stat(path)
            order.append(((status.st_dev, status.st_ino), path))
    descriptors: dict[tuple[int, int], int] = {}
    try:
        for identity, path in sorted(order):
            if identity in descriptors:
                continue  # two names of one file
            descriptor = _locked_descriptor(path)
            if descriptor is not None:
                descriptors[identity] = descriptor
        yield FileGuard(Path(read), _seen_at(Path(read)))
    finally:
        for descriptor in descriptors.values():
            os.close(descriptor)  # closing the last descriptor releases the lock
