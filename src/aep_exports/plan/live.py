"""What refresh read from the platform: a plain, immutable snapshot the planner can reason about.

The planner never talks to the platform; refresh builds this from the client's wire models
(:mod:`aep_exports.reconcile.refresh`) and tests build it by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from aep_exports.state.status import JobReport

# Clocks of the tool and the platform are not exact: a listing by creation time looks back this far
# before the instant it means (the last refresh, an intent's start), so a job is never missed.
CLOCK_SKEW = timedelta(minutes=10)

LiveJob = JobReport
"""An export job as the platform has it (state's own record of a platform job, see ``JobReport``)."""


@dataclass(frozen=True)
class LiveDataset:
    """A dataset as the platform has it; ``body`` holds its wire fields (name, tags, schemaRef, ...)."""

    id: str
    body: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LiveSnapshot:
    """Managed datasets and relevant jobs as read at ``read_at``.

    ``datasets``/``jobs`` hold what was found; ``missing_*`` what was looked up by id and is gone
    (404). An id in neither was not read. ``new_jobs`` are the ids listed since the last refresh
    (jobs the tool may not know). ``merge_policies``/``segments`` are the ids of the references
    the declarations may name, or None when they were not read (then they are not checked);
    ``merge_policy_versions`` the latest version of each policy read that has one.
    ``record_problems``: what the client could not recognise in the records it read (one line each).
    """

    read_at: datetime
    datasets: dict[str, LiveDataset] = field(default_factory=dict)
    missing_datasets: frozenset[str] = frozenset()
    jobs: dict[int, LiveJob] = field(default_factory=dict)
    missing_jobs: frozenset[int] = frozenset()
    new_jobs: tuple[int, ...] = ()
    merge_policies: frozenset[str] | None = None
    merge_policy_versions: dict[str, float] = field(default_factory=dict)
    segments: frozenset[str] | None = None
    record_problems: tuple[str, ...] = ()

    def dataset_state(self, dataset_id: str) -> str:
        """``present``, ``missing`` or ``unknown`` (not read)."""
        if dataset_id in self.datasets:
            return "present"
        if dataset_id in self.missing_datasets:
            return "missing"
        return "unknown"

    @classmethod
    def empty(cls, read_at: datetime) -> LiveSnapshot:
        """A snapshot that read nothing (planning from state alone)."""
        return cls(read_at=read_at)
