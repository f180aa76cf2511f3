"""What became of one workbook in a batch: its status, exit status and the figures of its summary
row."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

# Exit statuses, as `productive-xl recalc` and `refresh` give them for one file, and the batch's
# own for a file whose work had to be stopped.
EXIT_DONE = 0
EXIT_PARTLY_RECALCULATED = 3
EXIT_UNUSABLE_INPUT = 4
EXIT_ENVIRONMENT = 5
EXIT_WORKER_FAILED = 6

RECALCULATED = "recalculated"
PARTLY_RECALCULATED = "partly recalculated"
UNUSABLE = "unusable"
ENVIRONMENT = "environment failure"
TIMED_OUT = "timed out"
OVER_MEMORY = "over memory limit"
CRASHED = "crashed"
NOT_RUN = "not run"

EXIT_OF_STATUS = {
    RECALCULATED: EXIT_DONE,
    PARTLY_RECALCULATED: EXIT_PARTLY_RECALCULATED,
    UNUSABLE: EXIT_UNUSABLE_INPUT,
    ENVIRONMENT: EXIT_ENVIRONMENT,
    TIMED_OUT: EXIT_WORKER_FAILED,
    OVER_MEMORY: EXIT_WORKER_FAILED,
    CRASHED: EXIT_WORKER_FAILED,
    NOT_RUN: EXIT_DONE,
}
# Outcomes whose workbook and report were written: a rerun on the same input has nothing to do.
DONE = frozenset({RECALCULATED, PARTLY_RECALCULATED})
# Outcomes `--retry-failed` takes again.
FAILED = frozenset({UNUSABLE, ENVIRONMENT, TIMED_OUT, OVER_MEMORY, CRASHED})


@dataclass
class FileOutcome:
    """One row of the batch's summary."""

    file: str  # the name under the output folder, as the summary lists it
    source: str  # the input's path
    sha256: str  # of the input as it was worked on
    status: str
    recalculated: int = 0  # formula cells recalculated
    kept: int = 0  # formula cells that kept Excel's value (see the report for why)
    errors: int = 0  # formula cells showing an error value
    findings: int | None = None  # the refresh's findings in the register (refresh only)
    seconds: float = 0.0
    peak_mib: float = 0.0  # peak resident memory of the process that worked on the file
    worker: str = ""  # host and process id of the worker
    worker_mib: float = 0.0  # peak resident memory of the worker itself, which stays warm
    output: str = ""  # the workbook written, empty when none was
    output_sha256: str = ""
    report: str = ""  # the JSON report written, empty when none was
    message: str = ""
    finished_at: str = ""

    @property
    def exit_status(self) -> int:
        return EXIT_OF_STATUS[self.status]

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "exit": self.exit_status}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FileOutcome:
        names = {field.name for field in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in names})


def worst_exit(outcomes: list[FileOutcome]) -> int:
    """The batch's exit status: the worst of its files'."""
    return max((outcome.exit_status for outcome in outcomes), default=EXIT_DONE)
