"""Carry out the resolution of write-ahead intents left open (a crash, a lost answer): the *execution*
half of recovery. ``reconcile.recovery`` decides what each intent resolves to from reads only; here the
extras of an adopted job are cancelled (noted in their intent first) and the outcomes are written to
state. ``apply`` and ``refresh`` run :func:`recover_intents` before planning; ``plan`` and ``drift`` only
preview the decisions.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from aep_exports.apply.console import Console
from aep_exports.apply.ledger import Ledger
from aep_exports.errors import NotFoundError
from aep_exports.reconcile.recovery import IntentFilter, Resolution, decide_recovery

if TYPE_CHECKING:
    from aep_exports.client import PlatformClient
    from aep_exports.state.backend import StateBackend
    from aep_exports.state.model import StateDocument

Clock = Callable[[], datetime]


@dataclass
class RecoveryReport:
    """What recovery found: one line per resolved intent."""

    lines: list[str] = field(default_factory=list)

    @property
    def resolved(self) -> int:
        """How many intents were resolved."""
        return len(self.lines)


def execute_recovery(
    ledger: Ledger,
    client: PlatformClient,
    decisions: list[Resolution],
    clock: Clock,
    console: Console | None = None,
) -> RecoveryReport:
    """Carry ``decisions`` out: DELETE the extras (noted in their intent first), record, resolve."""
    report = RecoveryReport()
    for decision in decisions:
        cancelled = _cancel_extras(ledger, client, decision)
        ledger.commit(partial(_record, decision=decision, clock=clock, cancelled=cancelled))
        line = decision.describe(done=True)
        report.lines.append(line)
        if console is not None:
            console.line(f"Recovered: {line}")
    return report


def _record(doc: StateDocument, *, decision: Resolution, clock: Clock, cancelled: set[int]) -> None:
    decision.record(doc, clock(), cancelled)


def _cancel_extras(ledger: Ledger, client: PlatformClient, decision: Resolution) -> set[int]:
    running = decision.to_cancel
    if not running:
        return set()
    ledger.commit(lambda doc: doc.note_cancelling(decision.intent.id, running))
    for job_id in running:
        with suppress(NotFoundError):  # already gone: a platform may drop a job it stopped
            client.cancel_export_job(job_id)
    return set(running)


def recover_intents(
    state: StateBackend | Ledger,
    client: PlatformClient,
    now: datetime | Clock,
    *,
    lock_timeout: float = 0.0,
    console: Console | None = None,
    only: IntentFilter | None = None,
) -> RecoveryReport:
    """Decide and execute the resolution of every open intent of ``state``; writes only if there were some.

    ``state``: a backend (its lock is taken for the duration) or apply's :class:`Ledger` (already locked).
    ``only(resource, key)``: the intents a selected command may resolve (None: all of them).
    """
    clock: Clock = now if callable(now) else (lambda: now)
    if isinstance(state, Ledger):
        decisions = state.read(lambda doc: decide_recovery(doc, client, only=only))
        return execute_recovery(state, client, decisions, clock, console)
    if not state.read().open_intents():
        return RecoveryReport()
    with state.lock(timeout=lock_timeout, command="recover"):
        ledger = Ledger(state)
        decisions = decide_recovery(ledger.doc, client, only=only)
        return execute_recovery(ledger, client, decisions, clock, console)
