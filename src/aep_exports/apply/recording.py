"""``apply`` and ``refresh``: carry out the recovery decisions and persist the refresh, then plan.

The writing counterpart of :func:`aep_exports.reconcile.pipeline.plan_now`: under the state lock
(re-entrant: apply already holds it) the open intents are resolved for real (extra jobs cancelled,
outcomes written) and the refresh is written to state; then the plan is made by the same
:func:`~aep_exports.reconcile.pipeline.finish_plan` that ``plan`` uses.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from aep_exports.apply.recovery import recover_intents
from aep_exports.apply.service import clock_from
from aep_exports.plan.findings import findings_seen, remember_findings
from aep_exports.plan.planner import make_plan
from aep_exports.reconcile.pipeline import Planned, finish_plan, scoped
from aep_exports.reconcile.refresh import RefreshResult, refresh

if TYPE_CHECKING:
    from aep_exports.apply.console import Console
    from aep_exports.client import PlatformClient
    from aep_exports.config.settings import Settings
    from aep_exports.plan.desired import Desired
    from aep_exports.plan.model import Plan, PlanOptions
    from aep_exports.state.backend import StateBackend


def record_and_plan(
    settings: Settings,
    client: PlatformClient,
    backend: StateBackend,
    desired: Desired,
    now: datetime,
    options: PlanOptions,
    *,
    command: str = "apply",
    lock_timeout: float | None = None,
    console: Console | None = None,
) -> Planned:
    """Resolve open intents, refresh and write state (holding the lock), then plan for ``now``.

    With ``--select`` (``options.select``), only the selected exports' and datasets' intents are
    recovered and outcomes recorded: the others stay exactly as they are in state.
    """
    selected = scoped(options, desired)
    timeout = settings.lock_timeout if lock_timeout is None else lock_timeout
    with backend.lock(timeout=timeout, command=command):
        report = recover_intents(backend, client, clock_from(now), console=console, only=selected.intents)
        result = refresh(
            client, backend, desired, now, write=True, lock_timeout=0, command=command, only=selected.exports
        )
        plan = finish_plan(settings, client, desired, now, options, result, recorded=True)
        # Out-of-band findings are remembered until resolved or acknowledged (state.findings); a selected
        # command saw only part of them, so it adds new ones but drops none.
        doc = result.state
        seen = findings_seen(_with_findings(desired, now, options, result, plan, selected.scope.has), now)
        changed = doc.sync_findings(seen, now, complete=selected.scope.everything)
        if changed:
            backend.write(doc, expected_serial=doc.serial)
    return Planned(plan, doc, result.written or changed or report.resolved > 0, tuple(report.lines))


def _with_findings(
    desired: Desired,
    now: datetime,
    options: PlanOptions,
    result: RefreshResult,
    plan: Plan,
    in_scope: Callable[[str, str], bool],
) -> Plan:
    """The plan whose out-of-band findings ``refresh`` records: a ``refresh_only`` plan compares nothing
    with the platform, so the full comparison is made for its findings (pure: no request, no action)."""
    if not options.refresh_only:
        return plan
    compare = options.model_copy(update={"refresh_only": False})
    full = make_plan(desired, result.state, result.snapshot, now, compare)
    return remember_findings(full, result.state, result.snapshot, in_scope=in_scope)
