"""Findings: changes made outside aep-exports, remembered until resolved or acknowledged.

A job started by hand into a managed dataset is seen by one refresh only (the next listing starts after
it), and an edit of a dataset is seen only while it lasts; ``drift`` must not forget the first at the next
unrelated write. So a writing refresh (``refresh``, ``apply``) records every out-of-band finding here,
under a stable id (``job-10047``, ``dataset-target-3f2a9c``), and drops it once the platform no longer
shows it (the job is gone or adopted with ``import``; the edit is undone). ``state ack ID --reason``
acknowledges one: ``drift`` then lists it as information, with who acknowledged it, when and why, and no
longer exits 3 for it. An acknowledgement is an audit entry: acknowledging again needs ``--force``, and
the one it replaces is kept in ``earlier_acks``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from aep_exports.state.base import Record, UtcDatetime

FindingResource = Literal["dataset", "export", "job"]


class Acknowledgement(Record):
    """Who accepted a finding, when, and why (``state ack``)."""

    by: str
    at: UtcDatetime
    reason: str = ""


class FindingRecord(Record):
    """An out-of-band change seen on the platform, kept until resolved or acknowledged."""

    id: str
    resource: FindingResource
    key: str
    message: str
    first_seen: UtcDatetime
    job_id: int | None = None
    ack: Acknowledgement | None = None
    earlier_acks: list[Acknowledgement] = Field(
        default_factory=list,
        description="Acknowledgements replaced with `state ack --force`, oldest first (kept for the audit).",
    )

    @property
    def acknowledged(self) -> bool:
        """Whether someone accepted it (``state ack``)."""
        return self.ack is not None
