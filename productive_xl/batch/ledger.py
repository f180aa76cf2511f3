"""What the output folder remembers of a batch: one record per workbook (written by the worker
that did it, so it survives the batch being stopped), and the summary of the whole batch."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

from productive_xl.batch.outcome import DONE, FileOutcome
from productive_xl.ooxml.writer import replace_atomically

RECORDS = ".productive-xl-batch"  # a folder of the output folder, one record per workbook
SUMMARY_CSV = "summary.csv"
SUMMARY_JSON = "summary.json"
SUMMARY_COLUMNS = (
    "file",
    "sha256",
    "status",
    "exit",
    "recalculated",
    "kept",
    "errors",
    "findings",
    "seconds",
    "peak_mib",
    "worker_mib",
    "worker",
    "source",
    "output",
    "report",
    "message",
    "finished_at",
)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def record_path(folder: Path, name: str) -> Path:
    return folder / RECORDS / f"{name}.json"


def read_record(path: Path) -> FileOutcome | None:
    """The outcome recorded at ``path``, or None when there is none (or it cannot be read)."""
    try:
        return FileOutcome.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def write_record(path: Path, outcome: FileOutcome) -> None:
    text = json.dumps(outcome.to_dict(), indent=2) + "\n"
    replace_atomically(path, lambda temporary: temporary.write_text(text, encoding="utf-8"))


def still_done(outcome: FileOutcome | None, sha256: str) -> bool:
    """Whether ``outcome`` is a finished piece of work on the input whose hash is ``sha256``,
    whose workbook and report are still there as written."""
    if outcome is None or outcome.status not in DONE or not outcome.output:
        return False
    output, report = Path(outcome.output), Path(outcome.report)
    if not (output.is_file() and report.is_file()):
        return False
    if outcome.sha256 == sha256:
        return sha256_of(output) == outcome.output_sha256
    # --in-place: the input is its own output now
    return output.resolve() == Path(outcome.source).resolve() and sha256 == outcome.output_sha256


def write_summary(folder: Path, outcomes: list[FileOutcome], about: dict[str, object]) -> None:
    """``summary.json`` (``about`` the batch, and a row per workbook) and ``summary.csv`` (the
    rows), each written atomically."""
    rows = [outcome.to_dict() for outcome in sorted(outcomes, key=lambda o: o.file)]
    text = json.dumps({**about, "files": rows}, indent=2) + "\n"
    replace_atomically(
        folder / SUMMARY_JSON, lambda temporary: temporary.write_text(text, encoding="utf-8")
    )

    def write_csv(temporary: Path) -> None:
        with temporary.open("w", newline="", encoding="utf-8") as file:
            writer = csv.DictWriter(file, SUMMARY_COLUMNS, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)

    replace_atomically(folder / SUMMARY_CSV, write_csv)
