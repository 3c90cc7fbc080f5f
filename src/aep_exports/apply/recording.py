"""``apply`` and ``refresh``: carry out the recovery decisions and persist the refresh, then plan.

The writing counterpart of :func:`aep_exports.reconcile.pipeline.plan_now`: under the state lock
(re-entrant: apply already holds it) the open intents are resolved for real (extra jobs cancelled,
outcomes written) and the refresh is written to state; then the plan is made by the same
:func:`~aep_exports.reconcile.pipeline.finish_plan` that ``plan`` uses.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from aep_exports.apply.recovery import recover_intents
from aep_exports.apply.service import clock_from
from aep_exports.plan.findings import findings_seen
from aep_exports.reconcile.pipeline import Planned, finish_plan, scoped
from aep_exports.reconcile.refresh import refresh

if TYPE_CHECKING:
    from aep_exports.apply.console import Console
    from aep_exports.client import PlatformClient
    from aep_exports.config.settings import Settings
    from aep_exports.plan.desired import Desired
    from aep_exports.plan.model import PlanOptions
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
        seen = findings_seen(plan, now)
        changed = doc.sync_findings(seen, now, complete=selected.scope.everything)
        if changed:
            backend.write(doc, expected_serial=doc.serial)
    return Planned(plan, doc, result.written or changed or report.resolved > 0, tuple(report.lines))
