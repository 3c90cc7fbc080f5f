"""What an interrupted apply leaves for the next command, produced for real on a served platform.

:func:`leave_work_for_the_next_apply` builds, on the platform server (its clock frozen, request ids
echoed), a project where the next apply has all three kinds of work a refresh does:

- an open ``run_export`` intent of ``export000`` whose job A was created (the process "died" right after
  the POST was answered, before recording it): the next apply adopts A;
- an extra job B of that same intent (its ``x-request-id``, as a proxy's retry would send it), still
  running: the next apply cancels it;
- the day-1 run of ``export001``, finished on the platform but not recorded in state: the next apply
  records it SUCCEEDED.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from aep_exports.apply import Ledger, clock_from
from aep_exports.apply.recording import record_and_plan
from aep_exports.apply.runs import start_run
from aep_exports.cli.wiring import load_declared, open_client, open_state
from aep_exports.plan.model import PlanOptions
from support.projects import Project

DAY1 = datetime(2024, 5, 1, 4, 0, tzinfo=UTC)
DAY2 = DAY1 + timedelta(days=1)
JOB_DURATION_S = 600


def stamp(moment: datetime) -> str:
    """RFC 3339 with a Z, as --now takes it."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class Killed(BaseException):
    """Stands for kill -9: nothing after it runs, no except clause catches it."""


class DiesAfterPost:
    """The real client, except that the process 'dies' as soon as a job's POST was answered."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.created: list[int] = []

    def create_export_job(self, body: dict[str, Any], **kwargs: Any) -> Any:
        job = self._client.create_export_job(body, **kwargs)
        self.created.append(job.id)
        raise Killed

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


@dataclass(frozen=True)
class Leftovers:
    """The ids of the work the next apply has: adopt ``adopt``, cancel ``cancel``, record ``record``."""

    adopt: int
    cancel: int
    record: int


def leave_work_for_the_next_apply(project: Project) -> Leftovers:
    """See the module docstring; ``project`` declares ``exports_yaml(2)`` on a served platform."""
    with project.admin() as admin:
        admin.set_contract(request_id="echo")
        admin.configure(job_duration_s=JOB_DURATION_S)
        admin.freeze_clock(True)
        admin.set_clock(DAY1)
    first = project.cli("apply", "--auto-approve", "--now", stamp(DAY1))
    assert first.exit_code == 0, first.output
    record = project.state().exports["export001"].runs[-1].job_id
    assert record is not None
    with project.admin() as admin:
        admin.set_clock(DAY2)  # both day-1 jobs finish
    settings = project.settings
    _, desired = load_declared(settings)
    backend = open_state(settings)
    with open_client(settings) as client:
        planned = record_and_plan(
            settings, client, backend, desired, DAY2, PlanOptions(select=("export000",)), lock_timeout=5
        )
        (action,) = [a for a in planned.plan.actions if a.kind == "run_export"]
        ids = {key: rec.id for key, rec in planned.state.datasets.items()}
        dying = DiesAfterPost(client)
        with backend.lock(timeout=5, command="apply"), pytest.raises(Killed):
            body = action.resolved_body(ids)
            start_run(Ledger(backend, planned.state), dying, action, body, clock_from(DAY2))
        (adopt,) = dying.created
        (intent,) = backend.read().open_intents()
        extra = client.create_export_job(intent.request_body, request_id=intent.request_id).id
    state = project.state()
    assert state.exports["export001"].runs[-1].unfinished, "export001's finished run must stay unrecorded"
    return Leftovers(adopt=adopt, cancel=extra, record=record)


class _DiesBeforePost:
    """The real client, except that the process 'dies' just before a job's POST leaves (never sent)."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def create_export_job(self, body: dict[str, Any], **kwargs: Any) -> Any:
        raise Killed

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def leave_unsent_intent(project: Project, now: datetime, key: str = "export000") -> None:
    """An apply at ``now`` that 'dies' (kill -9) after ``key``'s run intent reached state, before its POST:
    state holds an open ``run_export`` intent, the platform no job for it. Its recording step (recovery,
    refresh, findings) ran for real first, as an apply's does."""
    settings = project.settings
    _, desired = load_declared(settings)
    backend = open_state(settings)
    with open_client(settings) as client:
        planned = record_and_plan(
            settings, client, backend, desired, now, PlanOptions(select=(key,)), lock_timeout=5
        )
        (action,) = [a for a in planned.plan.actions if a.kind == "run_export"]
        ids = {name: rec.id for name, rec in planned.state.datasets.items()}
        with backend.lock(timeout=5, command="apply"), pytest.raises(Killed):
            start_run(Ledger(backend, planned.state), _DiesBeforePost(client), action,
                      action.resolved_body(ids), clock_from(now))
    (intent,) = backend.read().open_intents()
    assert intent.key == key
