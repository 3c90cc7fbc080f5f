"""The one way a plan is made against the platform: recover open intents, refresh, plan.

``plan``, ``refresh``, ``apply`` and ``drift`` all call :func:`plan_now`, so what a reviewer sees in
``plan`` is computed exactly as ``apply`` computes what it executes. With ``write=True`` it holds
the state lock throughout (re-entrant: apply already holds it), resolves write-ahead intents a crash
or a lost answer left open (adopting their jobs), then refreshes and records outcomes. With
``write=False`` (``drift``) nothing is written and no lock is taken: open intents are left for the
next writing command, reported as pending findings (``drift`` exits 2), their runs shown as blocked.
Either way the plan warns about what the platform has that it does not account for: resources matching
declarations state does not know (with the ``import`` commands), an empty local profile store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from aep_exports.apply.adoptable import adoptable_resources
from aep_exports.plan.actions import RunExport
from aep_exports.plan.model import DriftFinding, PlanMessage
from aep_exports.plan.planner import PlanContext, make_plan
from aep_exports.plan.scope import Scope, select_scope
from aep_exports.plan.windows import format_instant
from aep_exports.reconcile.refresh import RefreshResult, refresh

if TYPE_CHECKING:
    from aep_exports.apply.console import Console
    from aep_exports.apply.recovery import RecoveryReport
    from aep_exports.client import PlatformClient
    from aep_exports.config.settings import Settings
    from aep_exports.plan.desired import Desired
    from aep_exports.plan.model import Plan, PlanOptions
    from aep_exports.state.backend import StateBackend
    from aep_exports.state.model import StateDocument


@dataclass(frozen=True)
class Planned:
    """A plan with what it was made from: the refreshed state (written when ``written``) and recovery."""

    plan: Plan
    state: StateDocument
    written: bool
    recovered: tuple[str, ...] = ()


def plan_now(
    settings: Settings,
    client: PlatformClient,
    backend: StateBackend,
    desired: Desired,
    now: datetime,
    options: PlanOptions,
    *,
    write: bool = True,
    command: str = "plan",
    lock_timeout: float | None = None,
    console: Console | None = None,
) -> Planned:
    """Recover open intents (when writing), refresh, and plan for ``now``.

    With ``--select`` (``options.select``), only the selected exports' and datasets' intents are
    recovered and outcomes recorded: the others stay exactly as they are in state.
    """
    scope = select_scope(options.select, desired)
    only = None if scope.everything else scope.has_export
    if not write:
        result = refresh(client, backend, desired, now, write=False, command=command, only=only)
        plan = _with_open_intents(_plan(settings, desired, now, options, result), result.state, scope)
        plan = _with_hints(settings, client, desired, now, plan, result.state)
        return Planned(plan, result.state, written=False)
    from aep_exports.apply.recovery import recover_intents
    from aep_exports.apply.service import clock_from

    timeout = settings.lock_timeout if lock_timeout is None else lock_timeout
    with backend.lock(timeout=timeout, command=command):
        report: RecoveryReport = recover_intents(
            backend, client, clock_from(now), console=console, only=None if scope.everything else scope.has
        )
        result = refresh(
            client, backend, desired, now, write=True, lock_timeout=0, command=command, only=only
        )
    plan = _plan(settings, desired, now, options, result)
    plan = _with_hints(settings, client, desired, now, plan, result.state)
    return Planned(plan, result.state, result.written or report.resolved > 0, tuple(report.lines))


def _plan(
    settings: Settings, desired: Desired, now: datetime, options: PlanOptions, result: RefreshResult
) -> Plan:
    context = PlanContext(
        platform=settings.platform,
        org=result.state.org,
        sandbox=settings.sandbox,
        created_at=datetime.now(UTC),
    )
    return make_plan(
        desired, result.state, result.snapshot, now, options, context=context, refreshed=result.outcomes
    )


def _with_open_intents(plan: Plan, state: StateDocument, scope: Scope) -> Plan:
    """Report the intents an interrupted apply left (read-only commands cannot resolve them) as pending."""
    found = [
        DriftFinding(
            kind="pending",
            resource=intent.resource,
            key=intent.key,
            message=f"an interrupted apply left an unresolved intent record ({intent.kind}"
            + (f" for slot {format_instant(intent.slot)}" if intent.slot else "")
            + f", started {format_instant(intent.started_at.replace(microsecond=0))}); "
            "the next plan or apply resolves it",
        )
        for intent in state.open_intents()
        if scope.has(intent.resource, intent.key)
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
