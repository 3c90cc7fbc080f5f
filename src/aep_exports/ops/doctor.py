"""``doctor``: a read-only check of a project's first contact with a platform, and what to do about it.

In order, each step needing the previous ones: settings; declarations; state (read, never locked);
credentials and an IMS token; the org and sandbox (one page of datasets); the datasets state manages;
the segments and merge policies the declarations name; one page of export jobs. From the answers it
tells which contract variant the platform shows (:mod:`aep_exports.ops.doctor_contract`) and lists every
record the client did not recognise. It sends GETs only: no lock, no state write, no platform write.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, NoReturn

from aep_exports.errors import AepExportsError, ApiError, AuthError, NotFoundError, TransportError
from aep_exports.ops import doctor_contract as contract
from aep_exports.redact import redact_url_credentials

if TYPE_CHECKING:
    from aep_exports.client import PlatformClient
    from aep_exports.config.settings import Settings
    from aep_exports.plan.desired import Desired
    from aep_exports.state.model import StateDocument

Status = Literal["ok", "warning", "error"]
JOBS = "/data/core/ups/export/jobs"
DATASETS = "/data/foundation/catalog/dataSets"
MERGE_POLICIES = "/data/core/ups/config/mergePolicies"
JOB_PAGE = 50  # one page of jobs: enough to see every shape a sandbox's recent jobs have
SEGMENT_READS = 3  # listed jobs with segments also read by id, to compare the two shapes
CANCEL_READS = 3  # jobs aep-exports cancelled, read back by id


@dataclass(frozen=True)
class Check:
    """One step of the visit: how it went, in one line, with details and what to do."""

    name: str
    status: Status
    summary: str
    details: tuple[str, ...] = ()
    hint: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "summary": self.summary,
            "details": list(self.details),
            "hint": self.hint,
        }


@dataclass(frozen=True)
class Visited:
    """Where doctor looked: the platform (URL without credentials, or ``local``), org and sandbox."""

    platform: str = ""
    org: str = ""
    sandbox: str = ""


@dataclass
class DoctorReport:
    """Everything ``doctor`` found."""

    visited: Visited = Visited()
    checks: list[Check] = field(default_factory=list)
    contract: list[contract.Seen] = field(default_factory=list)
    record_problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no step failed (warnings allowed)."""
        return all(check.status != "error" for check in self.checks)

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "platform": self.visited.platform,
            "org": self.visited.org,
            "sandbox": self.visited.sandbox,
            "checks": [check.as_json() for check in self.checks],
            "contract": {seen.variant: seen.as_json() for seen in self.contract},
            "record_problems": list(self.record_problems),
        }


@dataclass(frozen=True)
class Access:
    """How doctor reaches each part (the CLI's wiring); every one may raise our errors."""

    settings: Callable[[], Settings]
    declarations: Callable[[Settings], Desired]
    state: Callable[[Settings], StateDocument]
    client: Callable[[Settings], AbstractContextManager[PlatformClient]]


class _Stop(Exception):
    """A step failed in a way that leaves the following steps nothing to look at."""


def diagnose(access: Access) -> DoctorReport:
    """Visit the platform read-only and report (see the module docstring)."""
    report = DoctorReport()
    with suppress(_Stop):
        _visit(access, report)
    return report


def _visit(access: Access, report: DoctorReport) -> None:
    settings = _step(report, "settings", access.settings, "fix aep-exports.yaml or the AEP_* variables")
    platform = "local" if settings.is_local else redact_url_credentials(settings.base_url or "")
    report.visited = Visited(platform, settings.org or "", settings.sandbox)
    where = "the embedded local platform" if settings.is_local else platform
    report.checks.append(Check("settings", "ok", f"{where}, sandbox {settings.sandbox!r}"))
    desired = _optional(report, "declarations", lambda: access.declarations(settings), _declared)
    state = _optional(report, "state", lambda: access.state(settings), _stated)
    opened = _step(report, "credentials", lambda: access.client(settings), "set the platform credentials")
    with opened as client:
        report.visited = Visited(platform, client.config.org_id, settings.sandbox)
        _token(report, client, settings)
        _sandbox(report, client, settings)
        if state is not None:
            _managed_datasets(report, client, state)
        if desired is not None:
            _references(report, client, desired)
        _shapes(report, client, state)
        report.record_problems = list(dict.fromkeys(p.describe() for p in client.record_problems()))
    if report.record_problems:
        report.checks.append(
            Check(
                "records",
                "warning",
                f"{len(report.record_problems)} platform record(s) aep-exports does not fully recognise",
                tuple(report.record_problems[:20]),
                "aep-exports skips such records (or the parts it cannot read) and goes on; report them "
                "with the output of `aep-exports doctor --format json`",
            )
        )


def _step(report: DoctorReport, name: str, run: Callable[[], Any], hint: str) -> Any:
    try:
        return run()
    except AepExportsError as exc:
        report.checks.append(Check(name, "error", str(exc), hint=exc.hint or hint))
        raise _Stop from None


def _optional(
    report: DoctorReport, name: str, run: Callable[[], Any], describe: Callable[[Any], str]
) -> Any:
    try:
        value = run()
    except AepExportsError as exc:
        status: Status = "error" if name == "declarations" else "warning"
        report.checks.append(Check(name, status, str(exc), hint=exc.hint or ""))
        return None
    report.checks.append(Check(name, "ok", describe(value)))
    return value


def _declared(desired: Desired) -> str:
    return f"{len(desired.datasets)} dataset(s) and {len(desired.exports)} export(s) declared"


def _stated(state: StateDocument) -> str:
    if state.is_empty:
        return "no state yet (the first apply writes it)"
    runs = sum(len(record.runs) for record in state.exports.values())
    opened = len(state.open_intents())
    return (
        f"serial {state.serial}: {len(state.datasets)} dataset(s), {len(state.exports)} export(s), "
        f"{runs} run(s)"
        + (f", {opened} open intent(s) (the next apply or refresh resolves them)" if opened else "")
    )


def _failure(report: DoctorReport, name: str, exc: ApiError, hint: str) -> NoReturn:
    report.checks.append(Check(name, "error", str(exc), hint=exc.hint or hint))
    raise _Stop


def _token(report: DoctorReport, client: PlatformClient, settings: Settings) -> None:
    try:
        client.access_token()
    except AuthError as exc:
        _failure(report, "token", exc, "check AEP_CLIENT_ID and AEP_CLIENT_SECRET (or AEP_ACCESS_TOKEN)")
    except TransportError as exc:
        ims = "the local platform" if settings.is_local else redact_url_credentials(str(settings.ims_url))
        _failure(report, "token", exc, f"check that {ims} is reachable from here")
    except ApiError as exc:
        _failure(report, "token", exc, "check the IMS settings (ims_url, scopes)")
    report.checks.append(Check("token", "ok", "the identity service issued an access token"))


def _sandbox(report: DoctorReport, client: PlatformClient, settings: Settings) -> None:
    try:
        answer = client.get_json(DATASETS, params={"limit": 10, "properties": "name"})
    except AuthError as exc:
        _failure(
            report,
            "sandbox",
            exc,
            f"the API client must be entitled to org {settings.org or '?'} and sandbox {settings.sandbox!r} "
            "(a product profile in the Admin Console)",
        )
    except ApiError as exc:
        _failure(report, "sandbox", exc, "check the org id and the sandbox name")
    count = len(answer) if isinstance(answer, dict) else 0
    report.checks.append(
        Check(
            "sandbox", "ok", f"org and sandbox {settings.sandbox!r} answer; first page: {count} dataset(s)"
        )
    )


def _managed_datasets(report: DoctorReport, client: PlatformClient, state: StateDocument) -> None:
    managed = {record.id: key for key, record in state.datasets.items()}
    if not managed:
        return
    gone = [
        f"{managed[dataset_id]} ({dataset_id})"
        for dataset_id, found in client.get_datasets(sorted(managed)).items()
        if isinstance(found, NotFoundError)
    ]
    if gone:
        report.checks.append(
            Check(
                "datasets",
                "warning",
                f"{len(gone)} of {len(managed)} managed dataset(s) are not on the platform",
                tuple(gone),
                "deleted outside aep-exports, or another sandbox: `aep-exports plan` shows what it would do",
            )
        )
    else:
        report.checks.append(Check("datasets", "ok", f"the {len(managed)} managed dataset(s) are there"))


def _references(report: DoctorReport, client: PlatformClient, desired: Desired) -> None:
    exports = desired.exports.values()
    policies = {e.merge_policy_id for e in exports if e.merge_policy_id}
    segments = {segment for e in exports for segment in e.segment_ids}
    missing = []
    if policies:
        known = {policy.id for policy in client.list_merge_policies()}
        missing += [f"merge policy {policy}" for policy in sorted(policies - known)]
    if segments:
        known = {segment.id for segment in client.list_segment_definitions()}
        missing += [f"segment {segment}" for segment in sorted(segments - known)]
    if missing:
        report.checks.append(
            Check(
                "references",
                "error",
                f"{len(missing)} reference(s) the declarations name are not in this sandbox",
                tuple(missing),
                "fix the ids in exports/*.yaml, or create them in this sandbox",
            )
        )
    elif policies or segments:
        found = f"the {len(policies)} merge policy(ies) and {len(segments)} segment(s) declared are there"
        report.checks.append(Check("references", "ok", found))
    else:
        report.checks.append(Check("references", "ok", "the declarations name no merge policy or segment"))


def _shapes(report: DoctorReport, client: PlatformClient, state: StateDocument | None) -> None:
    """One page of jobs (and the merge-policy listing): their shapes tell the contract variants."""
    answer = client.get_json(JOBS, params={"limit": JOB_PAGE})
    listed = answer.get("records") if isinstance(answer, dict) else None
    records = [r for r in listed if isinstance(r, dict)] if isinstance(listed, list) else []
    client.list_export_jobs(limit=JOB_PAGE)  # the client's own reading: what it cannot read is reported
    report.checks.append(Check("jobs", "ok", f"{len(records)} export job(s) on the first page"))
    sent, requests, cancelled = _ours(state)
    with_segments = [r for r in records if contract.segments_of(r)][:SEGMENT_READS]
    report.contract += [
        contract.seen_paging(client.get_json(MERGE_POLICIES, params={"limit": 1})),
        contract.seen_batches(records),
        contract.seen_dataset_id_key(records),
        contract.seen_listed_segments(records, _found(_read_jobs(client, [_id(r) for r in with_segments]))),
        contract.seen_request_id(records, sent),
        contract.seen_merge_policy_echo(records, requests),
        contract.seen_cancelled_job(records, dict(_read_jobs(client, cancelled))),
        contract.not_observable("cancel_answer", "shows when a job is cancelled; doctor sends no DELETE"),
        contract.not_observable("missing_sandbox", "not checked: aep-exports always sends x-sandbox-name"),
    ]
    report.contract.sort(key=lambda seen: contract.VARIANT_NAMES.index(seen.variant))


def _ours(state: StateDocument | None) -> tuple[dict[int, str], dict[int, dict[str, Any]], list[int]]:
    """From state: job → x-request-id sent, job → request body sent, jobs aep-exports cancelled (newest)."""
    if state is None:
        return {}, {}, []
    sent, requests, cancelled = {}, {}, []
    for record in state.exports.values():
        for run in record.runs:
            if run.job_id is None:
                continue
            if run.intent_id:
                sent[run.job_id] = run.intent_id
                if record.spec.request is not None:
                    requests[run.job_id] = record.spec.request
            if run.cancelled_by_tool:
                cancelled.append(run.job_id)
    return sent, requests, sorted(cancelled, reverse=True)[:CANCEL_READS]


def _read_jobs(client: PlatformClient, job_ids: list[int]) -> Iterator[tuple[int, dict[str, Any] | None]]:
    for job_id in job_ids:
        try:
            got = client.get_json(f"{JOBS}/{job_id}")
        except NotFoundError:
            yield job_id, None
        else:
            if isinstance(got, dict):
                yield job_id, got


def _found(reads: Iterator[tuple[int, dict[str, Any] | None]]) -> dict[int, dict[str, Any]]:
    return {job_id: got for job_id, got in reads if got is not None}


def _id(record: dict[str, Any]) -> int:
    return int(record["id"]) if isinstance(record.get("id"), int) else -1
