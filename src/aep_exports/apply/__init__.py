"""Apply: carry out a plan safely (write-ahead intents, locking, idempotent runs, recovery, outcomes).

Public names (used by the CLI and by other commands):

- :func:`apply_plan`, :class:`ApplyOptions`, :class:`ApplyOutcome`, :func:`clock_from` (service);
- :class:`Ledger` (the locked state document, written after every change);
- :func:`recover_intents` (run at the start of apply and refresh; plan and drift only preview it);
- :func:`wait_for_runs` (follow unfinished runs, record outcomes);
- :func:`execute_plan`, :class:`ApplyReport`, :class:`ActionResult` (the executor);
- :func:`console_for`, :class:`Console`, :class:`PlainConsole`, :class:`CapturedConsole`.
"""

from __future__ import annotations

from aep_exports.apply.console import CapturedConsole, Console, PlainConsole, console_for
from aep_exports.apply.executor import ActionResult, ApplyReport, execute_plan
from aep_exports.apply.ledger import Ledger
from aep_exports.apply.recovery import RecoveryReport, recover_intents
from aep_exports.apply.service import ApplyOptions, ApplyOutcome, apply_plan, clock_from
from aep_exports.apply.wait import WaitResult, wait_for_runs

__all__ = [
    "ActionResult",
    "ApplyOptions",
    "ApplyOutcome",
    "ApplyReport",
    "CapturedConsole",
    "Console",
    "Ledger",
    "PlainConsole",
    "RecoveryReport",
    "WaitResult",
    "apply_plan",
    "clock_from",
    "console_for",
    "execute_plan",
    "recover_intents",
    "wait_for_runs",
]
