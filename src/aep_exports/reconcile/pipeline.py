"""The one way a plan is made against the platform: resolve open intents, refresh, plan.

``plan``, ``drift`` (and ``status``) call :func:`plan_now`, which is read-only: it reads state without the
lock, decides what each open intent resolves to (``reconcile.recovery``) and refreshes in memory, as
Terraform's plan does — nothing is written to state or sent to the platform, whatever the flags. What the
next ``apply``/``refresh`` will record (an adopted job, an extra job to cancel, a finished run) is shown
in the plan (``Plan.recovery``, ``Plan.refreshed`` with ``Plan.refresh_pending``).

``apply`` and ``refresh`` carry the same decisions out and persist the refresh under the lock
(``apply.recording.record_and_plan``), then plan with the same :func:`finish_plan`: what a reviewer saw
in ``plan`` is what ``apply`` does on an unchanged platform. Either way the plan warns about what the
platform has that it does not account for: resources matching declarations state does not know (with
the ``import`` commands), an empty local profile store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from aep_exports.plan.actions import RunExport
from aep_exports.plan.findings import remember_findings
from aep_exports.plan.model import DriftFinding, PlanMessage
from aep_exports.plan.planner import PlanContext, make_plan
from aep_exports.plan.scope import Scope, select_scope
from aep_exports.plan.windows import format_instant
from aep_exports.reconcile.adoptable import adoptable_resources
from aep_exports.reconcile.recovery import Resolution, decide_recovery, preview_recovery
from aep_exports.reconcile.refresh import KeyFilter, RefreshResult, refresh_in_memory

if TYPE_CHECKING:
    from aep_exports.client import PlatformClient
    from aep_exports.config.settings import Settings
    from aep_exports.plan.desired import Desired
    from aep_exports.plan.model import Plan, PlanOptions
    from aep_exports.reconcile.recovery import IntentFilter
    from aep_exports.state.backend import StateBackend
    from aep_exports.state.model import StateDocument


@dataclass(frozen=True)
class Planned:
    """A plan with what it was made from: the refreshed state (written when ``written``) and recovery."""

    plan: Plan
    state: StateDocument
    written: bool
    recovered: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scoped:
    """What a selected command may touch: the intents it resolves, the exports whose outcomes it records."""

    scope: Scope
    intents: IntentFilter | None
    exports: KeyFilter | None


def scoped(options: PlanOptions, desired: Desired) -> Scoped:
    """The scope of ``options.select`` (``--select``): everything when nothing is selected."""
    scope = select_scope(options.select, desired)
    if scope.everything:
        return Scoped(scope, None, None)
    return Scoped(scope, scope.has, scope.has_export)


def plan_now(
    settings: Settings,
    client: PlatformClient,
    backend: StateBackend,
    desired: Desired,
    now: datetime,
    options: PlanOptions,
) -> Planned:
    """Plan for ``now`` without writing anything: no lock, no state write, no platform write.

    Open intents are resolved and finished runs recorded in an in-memory copy of state only, as the
    next ``apply`` or ``refresh`` will do it; the plan shows both. With ``--select``
    (``options.select``), only the selected exports' and datasets' intents and outcomes are considered.
    """
    selected = scoped(options, desired)
    doc = backend.read()
    decisions = decide_recovery(doc, client, only=selected.intents)
    lines = preview_recovery(doc, decisions, now)
    result = refresh_in_memory(client, doc, desired, now, only=selected.exports)
    plan = finish_plan(settings, client, desired, now, options, result, recovery=tuple(lines), recorded=False)
    return Planned(_with_open_intents(plan, decisions), result.state, written=False)


def finish_plan(
    settings: Settings,
    client: PlatformClient,
    desired: Desired,
    now: datetime,
    options: PlanOptions,
    result: RefreshResult,
    *,
    recovery: tuple[str, ...] = (),
    recorded: bool,
) -> Plan:
    """The plan from a refreshed state: the one planning step ``plan`` and ``apply`` share.

    ``recorded``: whether the refresh and the recovery are already in state (apply, refresh) or only
    previewed (plan, drift: the next apply or refresh records them).
    """
    context = PlanContext(
        platform=settings.platform,
        org=result.state.org,
        sandbox=settings.sandbox,
        created_at=datetime.now(UTC),
    )
    plan = make_plan(
        desired, result.state, result.snapshot, now, options, context=context, refreshed=result.outcomes
    )
    scope = scoped(options, desired).scope
    plan = remember_findings(plan, result.state, result.snapshot, in_scope=scope.has)
    if not recorded:
        plan = plan.model_copy(update={"recovery": recovery, "refresh_pending": True})
    return _with_hints(settings, client, desired, now, plan, result.state)


def _with_open_intents(plan: Plan, decisions: list[Resolution]) -> Plan:
    """Report the intents an interrupted apply left as pending: the next apply or refresh resolves them."""
    found = [
        DriftFinding(
            kind="pending",
            resource=decision.intent.resource,
            key=decision.intent.key,
            message=f"an interrupted apply left an unresolved intent record ({decision.intent.kind}"
            + (f" for slot {format_instant(decision.intent.slot)}" if decision.intent.slot else "")
            + f", started {format_instant(decision.intent.started_at.replace(microsecond=0))}); "
            f"the next apply or refresh resolves it: {decision.describe(done=False)}",
        )
        for decision in decisions
    ]
    if not found:
        return plan
    drift = sorted((*plan.drift, *found), key=lambda f: (f.resource == "export", f.key))
    return plan.model_copy(update={"drift": tuple(drift)})


def _with_hints(
    settings: Settings,
    client: PlatformClient,
    desired: Desired,
    now: datetime,
    plan: Plan,
    state: StateDocument,
) -> Plan:
    """The plan, with warnings about what the platform has that it does not account for: resources that
    match declarations state does not know (``import`` them), an empty local profile store."""
    warnings = adoptable_resources(client, desired, state, now) if not plan.options.refresh_only else []
    store = _empty_store_warning(settings, client, plan)
    if store is not None:
        warnings.append(store)
    return plan.model_copy(update={"warnings": (*plan.warnings, *warnings)}) if warnings else plan


def _empty_store_warning(settings: Settings, client: PlatformClient, plan: Plan) -> PlanMessage | None:
    """On the local platform, a plan that runs exports from an empty profile store says so: each run would
    write 0 rows, and an incremental export's watermark would still move past its window."""
    if not settings.is_local or not any(isinstance(action, RunExport) for action in plan.actions):
        return None
    if client.local_admin.profile_counts().get("profiles", 0) > 0:
        return None
    sandbox = settings.sandbox
    return PlanMessage(
        message=f"the local platform's profile store of sandbox {sandbox!r} is empty: every run exports 0 "
        "rows, and an incremental export's watermark still moves past its window. Seed it first: "
        f"aep-exports platform seed --sandbox {sandbox} (synthetic profiles), or load your own with "
        f"aep-exports platform load FILE --sandbox {sandbox}"
    )
