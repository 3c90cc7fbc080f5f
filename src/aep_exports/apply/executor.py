"""Carry out a plan's actions in dependency order, independent ones in parallel.

An action waits for the actions named in its ``after`` list (a new dataset before the runs writing
into it; a cancel before the run replacing it). Ready actions run on a thread pool of
``parallelism`` workers; the client's shared limiter bounds the requests they make. When an action
fails, the actions depending on it (directly or not) are skipped, everything else still runs.

Runs whose jobs would look the same on the platform (one look-alike key, ``plan.lookalike``) start
one after the other: a run waits while another with its key is being created, so that a lost answer
is always settled with no other look-alike create unresolved. When a run ends with its create still
unresolved (its answers kept getting lost), the other runs with its key are not started in this apply:
the next one resolves that create first.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Literal, assert_never

from aep_exports.apply import handlers, state_changes
from aep_exports.apply.console import Console
from aep_exports.apply.ledger import Ledger
from aep_exports.apply.runs import RunStarted, start_run
from aep_exports.errors import AepExportsError
from aep_exports.plan.actions import (
    ACTION_TYPES,
    AddExport,
    CancelJob,
    CreateDataset,
    DeleteDataset,
    Forget,
    MoveState,
    OrphanDataset,
    OrphanExport,
    ReplaceDataset,
    RestateExport,
    RunExport,
    UpdateDataset,
    UpdateExport,
)
from aep_exports.plan.lookalike import LookalikeKey, lookalike_key

if TYPE_CHECKING:
    from aep_exports.client import PlatformClient
    from aep_exports.plan.model import Action, Plan

Outcome = Literal["done", "failed", "skipped"]
# What a result line says before the key, per kind (from each action class: ``label``).
_LABELS = {kind.model_fields["kind"].default: kind.label for kind in ACTION_TYPES}


@dataclass(frozen=True)
class ActionResult:
    """How one action ended: ``done`` (with what it did), ``failed`` (why) or ``skipped`` (which failure)."""

    action_id: str
    kind: str
    key: str
    outcome: Outcome
    message: str
    job_id: int | None = None

    @classmethod
    def of(cls, action: Action, outcome: Outcome, message: str, job_id: int | None = None) -> ActionResult:
        """The result of ``action``."""
        return cls(action.action_id, action.kind, action.key, outcome, message, job_id)

    def line(self) -> str:
        """One summary line."""
        mark = {"done": "✓", "failed": "✗", "skipped": "-"}[self.outcome]
        return f"{mark} {_LABELS.get(self.kind, self.kind)} {self.key}: {self.message}"


@dataclass
class ApplyReport:
    """Every action's result, in the order they finished."""

    results: list[ActionResult] = field(default_factory=list)

    def of(self, outcome: Outcome) -> list[ActionResult]:
        """The results with this outcome."""
        return [r for r in self.results if r.outcome == outcome]

    @property
    def ok(self) -> bool:
        """True when nothing failed or was skipped."""
        return all(r.outcome == "done" for r in self.results)

    @property
    def started_jobs(self) -> list[int]:
        """Ids of the jobs this apply created or adopted."""
        return [r.job_id for r in self.results if r.job_id is not None]

    def summary_line(self) -> str:
        """``Apply complete: 3 done.`` or ``Apply finished with errors: 2 done, 1 failed, 1 skipped.``"""
        outcomes: tuple[Outcome, ...] = ("done", "failed", "skipped")
        parts = ", ".join(f"{len(self.of(o))} {o}" for o in outcomes if self.of(o)) or "nothing to do"
        return ("Apply complete: " if self.ok else "Apply finished with errors: ") + parts + "."


@dataclass
class _Lookalikes:
    """Which look-alike keys have a create in flight, and which one whose create stayed unresolved."""

    creating: dict[LookalikeKey, str] = field(default_factory=dict)  # key -> the run creating now
    unresolved: dict[LookalikeKey, str] = field(default_factory=dict)  # key -> the run left open

    def gate(self, key: LookalikeKey | None) -> Literal["go", "wait", "refuse"]:
        if key is None:
            return "go"
        if key in self.creating:
            return "wait"
        return "refuse" if key in self.unresolved else "go"

    def start(self, key: LookalikeKey | None, run: str) -> None:
        if key is not None:
            self.creating[key] = run

    def settled(self, key: LookalikeKey | None, run: str, *, left_open: bool) -> None:
        if key is None:
            return
        del self.creating[key]
        if left_open:
            self.unresolved[key] = run


@dataclass
class Executor:
    """Runs one plan against one client and one ledger."""

    ledger: Ledger
    client: PlatformClient
    clock: Callable[[], datetime]
    console: Console
    parallelism: int = 8
    ids: handlers.DatasetIds = field(init=False)

    def __post_init__(self) -> None:
        self.ids = handlers.DatasetIds(
            self.ledger.read(lambda doc: {k: r.id for k, r in doc.datasets.items()})
        )

    def run_one(self, action: Action) -> ActionResult:
        """Carry out one action; an error becomes a ``failed`` result."""
        job_id: int | None = None
        try:
            message, job_id = self._dispatch(action)
            outcome: Outcome = "done"
        except AepExportsError as exc:
            message, outcome = str(exc), "failed"
        result = ActionResult.of(action, outcome, message, job_id)
        self.console.line(result.line())
        return result

    def _dispatch(self, action: Action) -> tuple[str, int | None]:
        ledger, client, clock = self.ledger, self.client, self.clock
        match action:
            case RunExport():
                started = self._run(action)
                return f"started {started.describe()}", started.job_id
            case CreateDataset():
                return handlers.create_dataset(ledger, client, action, self.ids, clock), None
            case UpdateDataset():
                return handlers.update_dataset(ledger, client, action, clock), None
            case ReplaceDataset():
                return handlers.replace_dataset(ledger, client, action, self.ids, clock), None
            case DeleteDataset():
                return handlers.delete_dataset(ledger, client, action, clock), None
            case CancelJob():
                return handlers.cancel_job(ledger, client, action, clock), None
            case Forget():
                return handlers.forget(ledger, action), None
            case MoveState():
                return state_changes.move_state(ledger, action), None
            case RestateExport():
                return state_changes.restate_export(ledger, action, clock), None
            case AddExport() | UpdateExport():
                return state_changes.record_export_spec(ledger, action), None
            case OrphanDataset() | OrphanExport():
                return state_changes.mark_orphaned(ledger, action), None
            case _:
                assert_never(action)

    def _run(self, action: RunExport) -> RunStarted:
        try:
            body = action.resolved_body(self.ids.snapshot())
        except KeyError as exc:
            raise AepExportsError(f"the id of dataset {action.dataset_key} is unknown ({exc})") from None
        return start_run(self.ledger, self.client, action, body, self.clock)

    def _lookalike(self, action: Action) -> LookalikeKey | None:
        """The look-alike key of a run (None for other actions, or a body that cannot be resolved yet)."""
        if not isinstance(action, RunExport):
            return None
        try:
            return lookalike_key(action.resolved_body(self.ids.snapshot()))
        except KeyError:
            return None  # fails in _run with its own message

    def _refuse(self, action: Action, blocker: str) -> ActionResult:
        result = ActionResult.of(
            action,
            "failed",
            f"not started: the create of {blocker}, whose job would look the same, is still unresolved; "
            "the next apply resolves it first, then starts this run",
        )
        self.console.line(result.line())
        return result

    def _left_open(self, action: Action) -> bool:
        """Whether ``action`` (a failed run) left its create intent unresolved."""
        return self.ledger.read(
            lambda doc: any(i.kind == "run_export" and i.key == action.key for i in doc.open_intents())
        )

    def execute(self, actions: tuple[Action, ...] | list[Action]) -> ApplyReport:
        """Run ``actions`` respecting their ``after`` lists; never raises for an action's failure."""
        report = ApplyReport()
        by_id = {a.action_id: a for a in actions}
        waiting_on = {a.action_id: {d for d in a.after if d in by_id} for a in actions}
        dependents: dict[str, list[str]] = {a.action_id: [] for a in actions}
        for action_id, deps in waiting_on.items():
            for dep in deps:
                dependents[dep].append(action_id)
        order = [a.action_id for a in actions]
        finished: set[str] = set()
        launched: set[str] = set()
        lookalikes = _Lookalikes()

        def finish(action_id: str, result: ActionResult) -> None:
            report.results.append(result)
            finished.add(action_id)
            if result.outcome == "done":
                for child in dependents[action_id]:
                    waiting_on[child].discard(action_id)
            else:
                self._skip_dependents(action_id, by_id, dependents, finished, report)

        with concurrent.futures.ThreadPoolExecutor(
            max_workers=max(1, self.parallelism), thread_name_prefix="apply"
        ) as pool:
            running: dict[concurrent.futures.Future[ActionResult], tuple[str, LookalikeKey | None]] = {}

            def launch_ready() -> None:
                for action_id in order:
                    if action_id in launched or action_id in finished or waiting_on[action_id]:
                        continue
                    action = by_id[action_id]
                    key = self._lookalike(action)
                    gate = lookalikes.gate(key)
                    if gate == "wait":
                        continue  # a look-alike is being created: this one starts once it is settled
                    launched.add(action_id)
                    if gate == "refuse" and key is not None:
                        finish(action_id, self._refuse(action, lookalikes.unresolved[key]))
                        continue
                    lookalikes.start(key, action.key)
                    running[pool.submit(self.run_one, action)] = (action_id, key)

            launch_ready()
            while running:
                done, _ = concurrent.futures.wait(running, return_when=concurrent.futures.FIRST_COMPLETED)
                for future in done:
                    action_id, key = running.pop(future)
                    result = future.result()
                    action = by_id[action_id]
                    open_ = key is not None and result.outcome != "done" and self._left_open(action)
                    lookalikes.settled(key, action.key, left_open=open_)
                    finish(action_id, result)
                launch_ready()
        return report

    def _skip_dependents(
        self,
        failed: str,
        by_id: dict[str, Action],
        dependents: dict[str, list[str]],
        finished: set[str],
        report: ApplyReport,
    ) -> None:
        stack = list(dependents[failed])
        while stack:
            child = stack.pop()
            if child in finished:
                continue
            finished.add(child)
            result = ActionResult.of(by_id[child], "skipped", f"skipped: {failed} did not succeed")
            report.results.append(result)
            self.console.line(result.line())
            stack.extend(dependents[child])


def execute_plan(
    plan: Plan,
    ledger: Ledger,
    client: PlatformClient,
    clock: Callable[[], datetime],
    console: Console,
    *,
    parallelism: int = 8,
) -> ApplyReport:
    """Carry out every action of ``plan``; see :class:`Executor`."""
    executor = Executor(ledger, client, clock, console, parallelism=parallelism)
    return executor.execute(plan.actions)
