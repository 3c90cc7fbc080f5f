"""Run statuses and what the platform reports about a job, in state's own terms.

State knows no client model: callers turn a platform job into a :class:`JobReport` (refresh does it
in one place) and hand that to the state operations that record it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class RunStatus(StrEnum):
    """The status of a run: the platform's job statuses plus the tool's ``INTENT``/``UNKNOWN``/``MISSING``.

    Stored as the bare word. Strict: state holds only these words (a hand-edited ``"BOGUS"`` is refused on
    read). A platform status this build does not know never gets here: :class:`JobReport` normalises it.
    """

    NEW = "NEW"
    PROCESSING = "PROCESSING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    INTENT = "INTENT"  # intent recorded, request not (known to be) sent yet
    UNKNOWN = "UNKNOWN"  # request sent, outcome unknown (ambiguous write): look for the job
    MISSING = "MISSING"  # the job was tracked but the platform no longer knows it

    @property
    def unfinished(self) -> bool:
        """True while a run in this status may still produce (or be) a job."""
        return self in UNFINISHED_STATUSES

    @property
    def terminal(self) -> bool:
        """True for the statuses a platform job ends in (``SUCCEEDED``, ``FAILED``, ``CANCELLED``)."""
        return self in TERMINAL_STATUSES


UNFINISHED_STATUSES = frozenset({RunStatus.NEW, RunStatus.PROCESSING, RunStatus.INTENT, RunStatus.UNKNOWN})
"""A run in one of these may still produce (or be) a job; anything else is finished."""

TERMINAL_STATUSES = frozenset({RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED})
"""How a platform job ends; any other finished platform status is recorded as ``FAILED``."""

ACTIVE_JOB_STATUSES = frozenset({RunStatus.NEW, RunStatus.PROCESSING})
"""A platform job in one of these is still running; any other platform status means finished."""


@dataclass(frozen=True)
class JobReport:
    """A platform job as read: its status word (upper case, as the platform said it) and, once finished,
    its outcome.

    The one place a platform status becomes a :class:`RunStatus` (:attr:`run_status`): NEW and PROCESSING
    are running; any other word is finished, and a word other than SUCCEEDED, FAILED and CANCELLED (one
    this build does not know) is a run that ended without success, recorded as ``FAILED`` with a note.
    """

    id: int
    status: str
    dataset_id: str | None = None
    created: datetime | None = None
    updated: datetime | None = None
    batches: tuple[str, ...] = ()
    errors: tuple[Mapping[str, Any], ...] = ()
    metrics: Mapping[str, Any] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        """Any status other than NEW/PROCESSING is finished (unknown ones: without success)."""
        return self.status.upper() not in ACTIVE_JOB_STATUSES

    @property
    def run_status(self) -> RunStatus:
        """The status a run of this job is recorded with now: NEW/PROCESSING, else :meth:`final_status`."""
        word = self.status.upper()
        return RunStatus(word) if word in ACTIVE_JOB_STATUSES else self.final_status()

    def final_status(self) -> RunStatus:
        """The status a finished job is recorded with: its own when terminal, else ``FAILED``."""
        word = self.status.upper()
        return RunStatus(word) if word in TERMINAL_STATUSES else RunStatus.FAILED

    @property
    def status_note(self) -> str:
        """``platform status WORD`` when the recorded status is not the platform's word, else ``""``."""
        word = self.status.upper()
        return "" if word == self.run_status.value else f"platform status {word or '(none)'}"
