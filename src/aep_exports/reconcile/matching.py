"""Is this platform job the one an intent asked for? Identity from what every platform variant returns.

Adobe's job records echo only part of a request (the seed's samples): ``destination`` (dataset id,
``segmentPerBatch``), ``filter.segments``, ``mergePolicy`` and ``schema`` — never ``fields``,
``additionalFields`` or the other filters, and listings may show a segment's id alone. Identity is built
from those keys only, normalised the way the references define their defaults, and each part is compared
only where the job's record carries it:

- destination dataset id (``datasetId`` or ``dataSetId``): always compared;
- ``segmentPerBatch``: absent in a request = ``false``; compared when the record shows it;
- ``filter.segments``: absent = none; an entry's ``segmentNs`` absent = ``ups`` (the public spec's default,
  compared case-insensitively), ``status`` absent = ``["realized", "existing"]`` (order and repeats do not
  matter); a record's entry is compared on the keys it shows, and the entries pair up in any order;
- ``mergePolicy``: only when the request names one (when it does not, the platform may name the policy it
  resolved); then the ids must be equal, and the versions too when both sides carry one (``1`` = ``1.0``).
  A request without ``version`` asks for the latest, which only the platform knows: any version matches;
- ``schema.name``: compared when the record shows it.

Which of the matching jobs belong to an intent is :func:`choose_jobs`, the one decision apply, recovery and
the plan share: the jobs created inside the intent's window (its start minus ``CLOCK_SKEW``) that no run
tracks and that state has not recorded as someone else's (an out-of-band finding, acknowledged or not:
such a job was seen by a refresh before the intent was written, whatever the clocks say); the oldest is the
intent's job; an extra is cancelled only when it is certainly the intent's own
(its ``requestId`` echoes the intent's ``x-request-id``, or there were at least as many create requests as
such jobs); any further look-alike is someone else's, left alone and reported by ``drift``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aep_exports.plan.live import CLOCK_SKEW

if TYPE_CHECKING:
    from aep_exports.client import PlatformClient
    from aep_exports.client.models import ExportJob
    from aep_exports.state.model import Intent

DEFAULT_SEGMENT_NS = "ups"
DEFAULT_STATUS = frozenset({"realized", "existing"})
# An intent recorded before attempts were counted: the most create requests an apply sent for one.
LEGACY_ATTEMPTS = 3


@dataclass(frozen=True)
class SegmentKey:
    """One ``filter.segments`` entry, normalised; ``None`` parts were not shown (match anything)."""

    segment_id: str
    namespace: str | None
    status: frozenset[str] | None

    def accepts(self, wanted: SegmentKey) -> bool:
        """Whether this (possibly partial) entry of a job can be the request's ``wanted`` entry."""
        return (
            self.segment_id == wanted.segment_id
            and (self.namespace is None or self.namespace == wanted.namespace)
            and (self.status is None or self.status == wanted.status)
        )


@dataclass(frozen=True)
class JobIdentity:
    """What identifies an export job, normalised (see the module docstring); None: not shown."""

    dataset_id: str | None
    segment_per_batch: bool | None
    segments: tuple[SegmentKey, ...]
    merge_policy_id: str | None
    merge_policy_version: int | float | None
    schema_name: str | None

    def as_request(self) -> dict[str, Any]:
        """The identity as a request-shaped document (for showing differences)."""
        body: dict[str, Any] = {"destination": {"datasetId": self.dataset_id}}
        if self.segment_per_batch is not None:
            body["destination"]["segmentPerBatch"] = self.segment_per_batch
        if self.segments:
            body["filter"] = {"segments": [_segment_doc(key) for key in self.segments]}
        if self.merge_policy_id is not None:
            body["mergePolicy"] = {"id": self.merge_policy_id}
            if self.merge_policy_version is not None:
                body["mergePolicy"]["version"] = self.merge_policy_version
        if self.schema_name is not None:
            body["schema"] = {"name": self.schema_name}
        return body


def request_identity(body: dict[str, Any]) -> JobIdentity:
    """The identity of a request body (every default filled in)."""
    destination, filter_, policy, schema = (
        _object(body, key) for key in ("destination", "filter", "mergePolicy", "schema")
    )
    listed = filter_.get("segments")
    segments: list[Any] = listed if isinstance(listed, list) else []
    return JobIdentity(
        dataset_id=_text(destination.get("datasetId")),
        segment_per_batch=bool(destination.get("segmentPerBatch", False)),
        segments=tuple(
            SegmentKey(
                str(s.get("segmentId")),
                _namespace(s.get("segmentNs")) or DEFAULT_SEGMENT_NS,
                _status(s.get("status")) or DEFAULT_STATUS,
            )
            for s in segments
            if isinstance(s, dict)
        ),
        merge_policy_id=_text(policy.get("id")),
        merge_policy_version=_version(policy.get("version")),
        schema_name=_text(schema.get("name")),
    )


def shown_identity(record: dict[str, Any]) -> JobIdentity:
    """The identity a job record (wire JSON) shows; the parts it does not show are None."""
    destination, filter_, policy, schema = (
        _object(record, key) for key in ("destination", "filter", "mergePolicy", "schema")
    )
    listed = filter_.get("segments")
    segments: list[Any] = listed if isinstance(listed, list) else []
    per_batch = destination.get("segmentPerBatch")
    return JobIdentity(
        dataset_id=_text(destination.get("datasetId", destination.get("dataSetId"))),
        segment_per_batch=per_batch if isinstance(per_batch, bool) else None,
        segments=tuple(
            SegmentKey(str(s.get("segmentId")), _namespace(s.get("segmentNs")), _status(s.get("status")))
            for s in segments
            if isinstance(s, dict)
        ),
        merge_policy_id=_text(policy.get("id")),
        merge_policy_version=_version(policy.get("version")),
        schema_name=_text(schema.get("name")),
    )


def job_identity(job: ExportJob) -> JobIdentity:
    """The identity a job shows (see :func:`shown_identity`)."""
    return shown_identity(job.to_wire())


def identity_matches(wanted: JobIdentity, seen: JobIdentity) -> bool:
    """Whether a job showing ``seen`` can be the job of a request whose identity is ``wanted``."""
    if seen.dataset_id is None or seen.dataset_id != wanted.dataset_id:
        return False
    if seen.segment_per_batch is not None and seen.segment_per_batch != wanted.segment_per_batch:
        return False
    if seen.schema_name is not None and seen.schema_name != wanted.schema_name:
        return False
    if wanted.merge_policy_id is not None and seen.merge_policy_id is not None:
        if seen.merge_policy_id != wanted.merge_policy_id:
            return False
        versions = (wanted.merge_policy_version, seen.merge_policy_version)
        if None not in versions and versions[0] != versions[1]:
            return False
    return segments_pair_up(wanted.segments, seen.segments)


def segments_pair_up(wanted: Sequence[SegmentKey], seen: Sequence[SegmentKey]) -> bool:
    """Whether every entry a job shows pairs with its own request entry (a perfect bipartite matching)."""
    if len(wanted) != len(seen):
        return False
    owner: dict[int, int] = {}  # wanted index -> seen index

    def place(index: int, tried: set[int]) -> bool:
        for candidate, key in enumerate(wanted):
            if candidate in tried or not seen[index].accepts(key):
                continue
            tried.add(candidate)
            if candidate not in owner or place(owner[candidate], tried):
                owner[candidate] = index
                return True
        return False

    return all(place(index, set()) for index in range(len(seen)))


def job_matches(job: ExportJob, body: dict[str, Any]) -> bool:
    """True when ``job`` can be the job created for request ``body`` (see the module docstring)."""
    return identity_matches(request_identity(body), job_identity(job))


def list_jobs_since(client: PlatformClient, since: datetime) -> list[ExportJob]:
    """Jobs created at or after ``since`` (minus the clock skew), newest first; stops paging there."""
    return client.list_export_jobs(since=since - CLOCK_SKEW)


@dataclass(frozen=True)
class Choice:
    """Which listed jobs belong to an intent (each tuple oldest first).

    ``keep``: the intent's job (None: its request created nothing); ``extras``: more jobs certainly made
    by the same intent (to be cancelled); ``foreign``: look-alikes made by someone else (never touched;
    ``drift`` reports them). ``exact``: told apart by the echoed ``x-request-id``, not by identity.
    """

    keep: ExportJob | None
    extras: tuple[ExportJob, ...] = ()
    foreign: tuple[ExportJob, ...] = ()
    exact: bool = False


def platform_echoes(listed: Iterable[ExportJob], tracked: Mapping[int, str]) -> bool:
    """Whether a listed job that a run tracks shows that run's intent id as its ``requestId``."""
    return any(job.id in tracked and job.echoes(tracked[job.id] or None) for job in listed)


def choose_jobs(
    intent: Intent,
    listed: Iterable[ExportJob],
    tracked: Mapping[int, str],
    outside: Collection[int] = (),
) -> Choice:
    """Decide which of ``listed`` are ``intent``'s jobs; pure (see the module docstring).

    ``tracked``: every job a run tracks → the intent id of that run (``StateDocument.job_requests()``);
    ``outside``: the jobs state recorded as someone else's (``StateDocument.outside_job_ids()``, its
    findings, acknowledged or not). Neither is ever the intent's: not kept, not an extra, not even a
    look-alike to report (state already knows it). Rules, in order:

    1. jobs whose ``requestId`` echoes the intent's ``x-request-id`` are its own, all of them: the oldest
       is kept, the others are extras; look-alikes without the echo are foreign;
    2. on a platform seen to echo request ids (a tracked job shows its run's intent id), a look-alike
       without the echo is foreign: the intent's request created nothing;
    3. otherwise by identity: the oldest look-alike is kept, the next ``attempts - 1`` are extras (the
       intent cannot have made more jobs than it sent requests), the rest are foreign.
    """
    jobs = list(listed)
    cutoff = intent.started_at - CLOCK_SKEW
    candidates = sorted(
        (
            job
            for job in jobs
            if job.id not in tracked
            and job.id not in outside
            and (job.created_at is None or job.created_at >= cutoff)
        ),
        key=lambda job: (job.creation_time or 0, job.id),
    )
    wanted = request_identity(intent.request_body)
    alike = [job for job in candidates if identity_matches(wanted, job_identity(job))]
    if intent.attempts:  # it sent its own id: the echo, when there is one, is exact
        own = [job for job in candidates if job.echoes(intent.request_id)]
        if own:
            mine = {job.id for job in own}
            others = tuple(job for job in alike if job.id not in mine)
            return Choice(own[0], tuple(own[1:]), others, exact=True)
        if platform_echoes(jobs, tracked):
            return Choice(None, (), tuple(alike))
    if not alike:
        return Choice(None)
    made = intent.attempts or LEGACY_ATTEMPTS
    return Choice(alike[0], tuple(alike[1:made]), tuple(alike[made:]))


def _segment_doc(key: SegmentKey) -> dict[str, Any]:
    doc: dict[str, Any] = {"segmentId": key.segment_id}
    if key.namespace is not None:
        doc["segmentNs"] = key.namespace
    if key.status is not None:
        doc["status"] = sorted(key.status)
    return doc


def _object(body: dict[str, Any], key: str) -> dict[str, Any]:
    value = body.get(key)
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _namespace(value: Any) -> str | None:
    return value.strip().lower() if isinstance(value, str) and value.strip() else None


def _status(value: Any) -> frozenset[str] | None:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        return None
    return frozenset(str(item) for item in value)


def _version(value: Any) -> int | float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value) if float(value).is_integer() else value
