"""``make_plan``: a pure function of (declarations, state, live snapshot, now, options) → Plan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from difflib import SequenceMatcher

from aep_exports.plan.actions import MoveState, action_sort_key
from aep_exports.plan.datasets import plan_declared_dataset, plan_orphaned_dataset
from aep_exports.plan.desired import Desired, DesiredExport
from aep_exports.plan.exports import plan_declared_export, plan_removed_export
from aep_exports.plan.findings import JOB_FINDING
from aep_exports.plan.live import LiveSnapshot
from aep_exports.plan.lookalike import lookalike_groups, serialised_note
from aep_exports.plan.model import Action, DriftFinding, Plan, PlanMessage, PlanOptions, RefreshOutcome
from aep_exports.plan.moves import plan_moves
from aep_exports.plan.schedule import ScheduleError, as_utc
from aep_exports.plan.scope import Scope, select_scope
from aep_exports.plan.sink import PlanSink
from aep_exports.state.model import StateDocument


@dataclass(frozen=True)
class PlanContext:
    """Where the plan is for; copied into the saved plan."""

    platform: str = ""
    org: str = ""
    sandbox: str = ""
    created_at: datetime | None = None


def _check_options(
    sink: PlanSink, desired: Desired, state: StateDocument, options: PlanOptions, scope: Scope
) -> None:
    if not scope.everything:
        exports = set(desired.exports) | set(state.exports)
        datasets = set(desired.datasets) | set(state.datasets)
        for selector in scope.selection.selectors:
            literal = selector.key_pattern is not None and not any(c in selector.key_pattern for c in "*?[")
            if literal and selector.key_pattern not in exports | datasets:
                message = f"--select {selector.text}: no dataset or export has this key"
                sink.error(PlanMessage(key=selector.text, message=message))
        chosen, _, chosen_datasets, _ = scope.counts(exports, datasets)
        if not chosen and not chosen_datasets:
            sink.error(PlanMessage(message=f"--select {scope.selection.describe()} selects nothing"))
        else:
            sink.info(PlanMessage(message=scope.describe(exports, datasets)))
    for flag, keys in (("--run", options.runs), ("--restate", tuple(r.key for r in options.restate))):
        for key in keys:
            if key not in desired.exports:
                sink.error(PlanMessage(key=key, message=f"{flag} {key}: no declared export has this key"))
            elif not scope.has_export(key):
                sink.error(PlanMessage(key=key, message=f"{flag} {key} is outside the --select selection"))
    for key in options.forget:
        declared = key in desired.datasets or key in desired.exports
        if declared or (key not in state.datasets and key not in state.exports):
            sink.error(
                PlanMessage(
                    key=key,
                    message=f"--forget {key}: only a key in state that is no longer "
                    "declared can be forgotten",
                )
            )
        elif not (scope.has_dataset(key) or scope.has_export(key)):
            sink.error(PlanMessage(key=key, message=f"--forget {key} is outside the --select selection"))


# How many of a sandbox's segments or merge policies an unknown-reference error lists.
LISTED_REFERENCES = 5


def _check_references(sink: PlanSink, export: DesiredExport, live: LiveSnapshot, sandbox: str) -> None:
    if export.dataset_id and export.dataset_id in live.missing_datasets:
        sink.error(
            PlanMessage(
                key=export.key,
                location=export.locations.get("dataset", export.location),
                message=f"export {export.key}: dataset {export.dataset_id!r} does not exist in "
                f"{_place(sandbox)} (check the id, or declare the dataset under datasets: and name its key)",
            )
        )
    wanted = [("merge policy", "mergePolicy.id", export.merge_policy_id, live.merge_policies)]
    wanted += [
        ("segment", f"filter.segments[{index}].segmentId", segment, live.segments)
        for index, segment in enumerate(export.segment_ids)
    ]
    for kind, path, ident, known in wanted:
        if known is None or not ident or ident in known:
            continue
        sink.error(
            PlanMessage(
                key=export.key,
                location=export.locations.get(path, export.location),
                message=f"export {export.key}: {_unknown_reference(kind, ident, known, live, sandbox)}",
            )
        )
    _check_policy_version(sink, export, live, sandbox)


def _check_policy_version(sink: PlanSink, export: DesiredExport, live: LiveSnapshot, sandbox: str) -> None:
    """A declared merge policy version newer than the policy's latest does not exist: the job would fail.

    An older version may still exist (the listing shows only the latest), so it is not refused.
    """
    ident, wanted = export.merge_policy_id, export.merge_policy_version
    latest = live.merge_policy_versions.get(ident) if ident else None
    if wanted is None or latest is None or wanted <= latest:
        return
    sink.error(
        PlanMessage(
            key=export.key,
            location=export.locations.get("mergePolicy.version", export.location),
            message=f"export {export.key}: merge policy {ident!r} in {_place(sandbox)} is at version "
            f"{latest:g}; version {wanted} does not exist (omit version: to use the latest)",
        )
    )


def _unknown_reference(kind: str, ident: str, known: frozenset[str], live: LiveSnapshot, sandbox: str) -> str:
    """``segment 'x' does not exist in sandbox 'dev'``, and what the sandbox has instead (or that it has
    nothing: the likely cause is then a wrong sandbox)."""
    place = _place(sandbox)
    plural = "merge policies" if kind == "merge policy" else "segments"
    text = f"{kind} {ident!r} does not exist in {place}"
    if known:
        listed = sorted(known, key=lambda other: (-SequenceMatcher(None, ident, other).ratio(), other))
        more = len(listed) - LISTED_REFERENCES
        shown = ", ".join(listed[:LISTED_REFERENCES]) + (f" and {more} more" if more > 0 else "")
        return f"{text} ({plural} there, closest first: {shown})"
    read = {"segments": live.segments, "merge policies": live.merge_policies}
    empty = [name for name, ids in read.items() if ids is not None and not ids]
    text += f": {place} has no {' and no '.join(empty)}"
    if len(empty) == sum(ids is not None for ids in read.values()):
        text += "; is the sandbox right? (--sandbox, AEP_SANDBOX_NAME or 'sandbox:' in aep-exports.yaml)"
    return text


def _place(sandbox: str) -> str:
    return f"sandbox {sandbox!r}" if sandbox else "the sandbox"


def _foreign_jobs(
    sink: PlanSink, desired: Desired, state: StateDocument, live: LiveSnapshot, scope: Scope
) -> None:
    if not live.new_jobs:
        return
    managed = {record.id: key for key, record in state.datasets.items()}
    tracked: set[int] = set()
    # A run whose create request had an unknown outcome may own an untracked job: apply adopts it.
    unresolved: set[str] = set()
    for export_key, record in state.exports.items():
        for run in record.runs:
            if run.job_id is not None:
                tracked.add(run.job_id)
            elif run.unfinished:
                want = desired.exports.get(export_key)
                unresolved.add(want.dataset_key or "" if want else "")
    for job_id in live.new_jobs:
        job = live.jobs.get(job_id)
        if job is None or job.id in tracked or job.dataset_id not in managed:
            continue
        key = managed[job.dataset_id]
        if not scope.has_dataset(key) or key in unresolved:
            continue
        sink.finding(
            DriftFinding(
                kind="out_of_band",
                resource="job",
                key=key,
                message=f"job {job.id} ({job.status}) was not started by aep-exports but "
                f"writes into dataset {key} ({job.dataset_id})",
                id=f"{JOB_FINDING}{job.id}",
            )
        )


# Beyond this many, the rest of the platform records aep-exports did not recognise are counted, not listed.
_PROBLEMS_SHOWN = 5


def _record_problems(sink: PlanSink, live: LiveSnapshot) -> None:
    problems = live.record_problems
    for problem in problems[:_PROBLEMS_SHOWN]:
        sink.warning(PlanMessage(message=f"a platform record aep-exports does not recognise: {problem}"))
    if len(problems) > _PROBLEMS_SHOWN:
        sink.warning(PlanMessage(message=f"... and {len(problems) - _PROBLEMS_SHOWN} more such records"))
    if problems:
        sink.warning(PlanMessage(message="run `aep-exports doctor` to see what this platform answers"))


def _after_moves(actions: list[Action]) -> list[Action]:
    """Every other action on a key moved in this plan waits for the move (it records under the new key)."""
    moves = {(a.resource, a.key): a.action_id for a in actions if isinstance(a, MoveState)}
    if not moves:
        return actions
    out: list[Action] = []
    for action in actions:
        move = moves.get((action.resource, action.key))
        if move is not None and not isinstance(action, MoveState) and move not in action.after:
            action = action.model_copy(update={"after": [move, *action.after]})
        out.append(action)
    return out


def make_plan(
    desired: Desired,
    state: StateDocument,
    live: LiveSnapshot,
    now: datetime,
    options: PlanOptions | None = None,
    *,
    context: PlanContext | None = None,
    refreshed: tuple[RefreshOutcome, ...] = (),
) -> Plan:
    """Decide what should happen now. Pure: reads its arguments, returns data, changes nothing."""
    options = options or PlanOptions()
    context = context or PlanContext()
    now = as_utc(now)
    sink = PlanSink()
    scope = select_scope(options.select, desired)
    _check_options(sink, desired, state, options, scope)
    _record_problems(sink, live)
    if not options.refresh_only:
        view = plan_moves(sink, desired, state, scope)
        _plan_resources(sink, desired, view, live, now, options, scope, context.sandbox)
        for group in lookalike_groups(sink.actions):
            sink.info(PlanMessage(key=group[0].key, message=serialised_note(group)))
    return Plan(
        created_at=as_utc(context.created_at or now),
        now=now,
        platform=context.platform,
        org=context.org,
        sandbox=context.sandbox,
        state_lineage=state.lineage,
        state_serial=state.serial,
        declarations_digest=desired.digest,
        options=options,
        actions=tuple(sorted(_after_moves(sink.actions), key=action_sort_key)),
        drift=tuple(sorted(sink.drift, key=lambda f: (f.resource == "export", f.key))),
        errors=tuple(sink.errors),
        warnings=tuple(sink.warnings),
        infos=tuple(sink.infos),
        skipped_files=desired.skipped_files,
        refreshed=refreshed,
    )


def _plan_resources(
    sink: PlanSink,
    desired: Desired,
    state: StateDocument,
    live: LiveSnapshot,
    now: datetime,
    options: PlanOptions,
    scope: Scope,
    sandbox: str,
) -> None:
    renewed: dict[str, str] = {}  # dataset key -> id of the action that (re)creates it
    for key in sorted(set(desired.datasets) | set(state.datasets)):
        if not scope.has_dataset(key):
            continue
        want = desired.datasets.get(key)
        dataset_record = state.datasets.get(key)
        if want is not None:
            renewing = plan_declared_dataset(sink, want, dataset_record, live, options)
            if renewing is not None:
                renewed[key] = renewing.action_id
        elif dataset_record is not None:
            in_use = frozenset(e.dataset_id for e in desired.exports.values() if e.dataset_id)
            plan_orphaned_dataset(sink, key, dataset_record, live, options, in_use)

    for key in sorted(set(desired.exports) | set(state.exports)):
        if not scope.has_export(key):
            continue
        export = desired.exports.get(key)
        record = state.exports.get(key)
        if export is None:
            if record is not None:
                plan_removed_export(sink, key, record, options)
            continue
        _check_references(sink, export, live, sandbox)
        dataset_id, dataset_key, after = export.dataset_id, None, None
        if export.dataset_key is not None:
            if export.dataset_key in renewed:
                dataset_key, after = export.dataset_key, renewed[export.dataset_key]
            elif export.dataset_key in state.datasets:
                dataset_id = state.datasets[export.dataset_key].id
            else:
                dataset_key = export.dataset_key  # blocked by an error elsewhere; keep the reference
        try:
            plan_declared_export(
                sink,
                export,
                record,
                now,
                options,
                dataset_id=dataset_id,
                dataset_key=dataset_key,
                dataset_after=after,
            )
        except ScheduleError as exc:  # this export cannot be planned; the others still are
            sink.error(PlanMessage(key=key, location=export.location, message=f"export {key}: {exc}"))
    _foreign_jobs(sink, desired, state, live, scope)
