"""`plan`, `drift` and `status` are read-only (issue 13, item 1): no lock, no state write, no platform write.

On a project where the next apply has work of every kind a refresh does (an open intent to resolve by
adopting its job, an extra job to cancel, a finished run to record: ``support.leftovers``), each read-only
command runs while another process holds the state lock, and afterwards the state is byte-identical, the
platform received no write (its request statistics and job list), and its clock did not move. Then
``apply`` does exactly what ``plan`` showed. File state and PostgreSQL state alike.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from aep_exports.state.file_backend import FileStateBackend
from support.declarations import exports_yaml
from support.invariants import platform_jobs
from support.leftovers import DAY2, Leftovers, leave_work_for_the_next_apply, stamp
from support.locks import lock_held_elsewhere
from support.projects import Project

pytestmark = pytest.mark.timeout(120)

PG_SERVER = "postgresql://postgres@127.0.0.1:5432/test"
READ_ONLY = [
    ("plan",),
    ("plan", "--now", stamp(DAY2)),
    ("plan", "--now", "2030-01-01T00:00:00Z"),
    ("plan", "--refresh-only", "--now", stamp(DAY2)),
    ("plan", "--format", "json", "--now", stamp(DAY2)),
    ("plan", "--format", "markdown", "--detailed-exitcode", "--now", stamp(DAY2)),
    ("plan", "-o", "{tmp}/plan.json", "--now", stamp(DAY2)),
    ("drift", "--now", stamp(DAY2)),
    ("drift", "--format", "json"),
    ("status",),
    ("status", "--refresh", "--now", stamp(DAY2)),
]


@pytest.fixture(params=["file", "postgres"])
def state_kind(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """File state, or PostgreSQL state in a throw-away schema (AEP_STATE_URL)."""
    if request.param == "file":
        yield "file"
        return
    psycopg = pytest.importorskip("psycopg")
    try:
        with psycopg.connect(PG_SERVER, connect_timeout=3):
            pass
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL is not reachable at {PG_SERVER}: {exc}")
    schema = f"aep_test_{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv("AEP_STATE_URL", f"{PG_SERVER}?schema={schema}")
    yield "postgres"
    with psycopg.connect(PG_SERVER, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _stored(project: Project) -> bytes:
    """The state exactly as stored: the file's bytes, or the database row's document and serial."""
    backend = project.backend()
    if isinstance(backend, FileStateBackend):
        return backend.path.read_bytes()

    from aep_exports.state.postgres import PostgresStateBackend

    assert isinstance(backend, PostgresStateBackend)
    doc = backend.read()
    return f"{doc.serial}:{doc.lineage}:{doc.to_json()}".encode()


def _platform_view(url: str, headers: dict[str, str]) -> dict[str, Any]:
    """What a read-only command must not change: every write the platform received, its jobs, its clock."""
    stats = httpx.get(f"{url}/local/stats", timeout=10).json()
    writes = {
        route: counts
        for route, counts in stats["routes"].items()
        if not route.startswith("GET ") and "/local/" not in route and "/ims/" not in route
    }
    jobs = [(job["id"], job["status"]) for job in platform_jobs(url, headers)]
    clock = httpx.get(f"{url}/local/clock", timeout=10).json()["now"]
    return {"writes": writes, "jobs": jobs, "clock": clock}


def _scenario(platform_server: Any, make_project: Any) -> tuple[Project, Leftovers, str, dict[str, str]]:
    url = platform_server.url
    project = make_project(exports_yaml(2), platform=url)
    return project, leave_work_for_the_next_apply(project), url, platform_server.headers("dev")


def test_read_only_commands_take_no_lock_write_nothing_and_send_nothing(
    platform_server: Any, make_project: Any, state_kind: str, tmp_path: Path
) -> None:
    project, left, url, headers = _scenario(platform_server, make_project)
    state_before = _stored(project)
    platform_before = _platform_view(url, headers)
    outputs: dict[str, str] = {}
    with lock_held_elsewhere(project):
        assert project.cli("apply", "--auto-approve").exit_code != 0, "the lock must really be held"
        for args in READ_ONLY:
            argv = [arg.replace("{tmp}", str(tmp_path)) for arg in args]
            result = project.cli(*argv)
            assert result.exit_code in (0, 2, 3), (argv, result.output)
            outputs[" ".join(args)] = result.output
            assert _stored(project) == state_before, f"{argv} changed the state"
            assert _platform_view(url, headers) == platform_before, f"{argv} changed the platform"
    shown = outputs[f"plan --now {stamp(DAY2)}"]
    assert f"will adopt job {left.adopt}" in shown, shown
    assert f"will cancel extra job(s) {left.cancel}" in shown, shown
    assert f"~ will record export.export001: job {left.record} SUCCEEDED" in shown, shown
    assert "unresolved intent record" in outputs[f"drift --now {stamp(DAY2)}"]
    markdown = outputs[f"plan --format markdown --detailed-exitcode --now {stamp(DAY2)}"]
    assert "The next apply will record" in markdown and f"job {left.record} SUCCEEDED" in markdown, markdown
    assert (tmp_path / "plan.json").is_file()


def test_apply_does_what_plan_showed(platform_server: Any, make_project: Any, state_kind: str) -> None:
    project, left, url, headers = _scenario(platform_server, make_project)
    planned = project.cli("plan", "--format", "json", "--now", stamp(DAY2))
    assert planned.exit_code == 0, planned.output
    plan = json.loads(planned.output)
    applied = project.cli("apply", "--auto-approve", "--format", "json", "--now", stamp(DAY2))
    assert applied.exit_code == 0, applied.output
    done = json.loads(applied.output[applied.output.index("{"):])["plan"]

    def actions(p: dict[str, Any]) -> list[tuple[Any, ...]]:
        fields = ("kind", "key", "slot", "window_from", "window_to")
        return [tuple(a.get(f) for f in fields) for a in p["actions"]]

    assert actions(done) == actions(plan) and actions(plan), (plan["actions"], done["actions"])
    assert done["refreshed"] == plan["refreshed"], (plan["refreshed"], done["refreshed"])
    assert [r["job_id"] for r in plan["refreshed"]] == [left.record]
    assert plan["refresh_pending"] and not done["refresh_pending"]
    assert plan["recovery"] == [
        f"export export000: will adopt job {left.adopt} (its create answer was lost); "
        f"will cancel extra job(s) {left.cancel}"
    ]
    # What the plan said the next apply records is what state now holds.
    state = project.state()
    assert not state.open_intents()
    runs = {run.job_id: run for run in state.exports["export000"].runs}
    assert left.adopt in runs and runs[left.cancel].cancelled_by_tool
    assert state.exports["export001"].runs[0].job_id == left.record
    assert {job: status for job, status in _platform_view(url, headers)["jobs"]}[left.cancel] == "CANCELLED"


def test_plan_with_now_does_not_move_the_local_clock(project: Project) -> None:
    clock = project.cli("platform", "clock", "set", "2024-05-01T04:00:00Z")
    assert clock.exit_code == 0 and "2024-05-01T04:00:0" in clock.output, clock.output
    planned = project.cli("plan", "--now", "2031-01-01T00:00:00Z")
    assert planned.exit_code == 0, planned.output
    drift = project.cli("drift", "--now", "2031-01-01T00:00:00Z")
    assert drift.exit_code in (0, 2), drift.output
    shown = project.cli("platform", "clock")
    assert shown.exit_code == 0 and "Local platform clock: 2024-05-01T04:" in shown.output, shown.output
    advanced = project.cli("platform", "clock", "advance", "1d")
    assert "Local platform clock: 2024-05-02T04:" in advanced.output, advanced.output


def test_a_saved_plan_is_applied_after_recording_what_it_previewed(
    platform_server: Any, make_project: Any, tmp_path: Path
) -> None:
    project, left, url, headers = _scenario(platform_server, make_project)
    saved = tmp_path / "plan.json"
    planned = project.cli("plan", "-o", str(saved), "--now", stamp(DAY2))
    assert planned.exit_code == 0, planned.output
    applied = project.cli("apply", str(saved), "--now", stamp(DAY2))
    assert applied.exit_code == 0, applied.output
    assert f"Recovered: export export000: adopted job {left.adopt}" in applied.output, applied.output
    state = project.state()
    assert not state.open_intents()
    assert state.exports["export001"].runs[0].job_id == left.record
    assert state.exports["export001"].runs[0].status == "SUCCEEDED"
    started = [run.job_id for run in state.exports["export001"].runs[1:]]
    assert len(started) == 1, "the saved plan's run of export001 was executed"
    assert dict(_platform_view(url, headers)["jobs"])[left.cancel] == "CANCELLED"


@pytest.mark.parametrize("state_kind", ["postgres"], indirect=True)
def test_plan_and_drift_need_only_select_on_postgresql_state(
    make_project: Any, state_kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A PR job may read the state with a role that can only SELECT: plan and drift write nothing at all
    (not even the tables' DDL once they exist); apply with that role is refused by the database."""
    import psycopg

    project = make_project()
    applied = project.cli("apply", "--auto-approve", "--now", "2024-05-01T04:00:00Z")
    assert applied.exit_code == 0, applied.output
    owner_url = os.environ["AEP_STATE_URL"]
    schema = owner_url.rsplit("schema=", 1)[1]
    role = f"aep_ro_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_SERVER, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{role}" LOGIN')
        conn.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"')
        conn.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA "{schema}" TO "{role}"')
    try:
        monkeypatch.setenv("AEP_STATE_URL", owner_url.replace("postgres@", f"{role}@", 1))
        before = _stored(project)
        for args in (("plan", "--now", "2024-05-02T04:00:00Z"), ("drift", "--now", "2024-05-02T04:00:00Z")):
            result = project.cli(*args)
            assert result.exit_code in (0, 2), (args, result.output)
        assert _stored(project) == before
        refused = project.cli("apply", "--auto-approve", "--now", "2024-05-02T04:00:00Z")
        assert refused.exit_code != 0 and "permission denied" in refused.output, refused.output
    finally:
        monkeypatch.setenv("AEP_STATE_URL", owner_url)
        with psycopg.connect(PG_SERVER, autocommit=True) as conn:
            conn.execute(f'DROP OWNED BY "{role}"')
            conn.execute(f'DROP ROLE "{role}"')


def _schema_exists(schema: str) -> bool:
    import psycopg

    with psycopg.connect(PG_SERVER) as conn:
        found = conn.execute("SELECT 1 FROM information_schema.schemata WHERE schema_name = %s",
                             (schema,)).fetchone()
    return found is not None


READ_PATHS = [("plan",), ("drift",), ("status",), ("status", "--refresh"), ("state", "list"),
              ("state", "show", "export000")]


def _run_read_paths(project: Project) -> None:
    for args in READ_PATHS:
        result = project.cli(*args)
        if args[:2] == ("state", "show"):  # nothing applied yet: not in state, said in one line
            assert result.exit_code == 1 and "export000" in result.output, (args, result.output)
            assert "Traceback" not in result.output and "schema" not in result.output, result.output
        else:
            assert result.exit_code in (0, 2), (args, result.output)


@pytest.mark.parametrize("state_kind", ["postgres"], indirect=True)
def test_read_only_commands_create_no_schema_in_a_fresh_database(make_project: Any, state_kind: str) -> None:
    """On a database where the state's schema does not exist yet, the read paths see an empty state
    and leave no schema (nor tables) behind; the first writer creates them."""
    project = make_project(exports_yaml(1))
    schema = os.environ["AEP_STATE_URL"].rsplit("schema=", 1)[1]
    _run_read_paths(project)
    assert not _schema_exists(schema), f"a read path created the schema {schema}"
    applied = project.cli("apply", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert _schema_exists(schema)


@pytest.mark.parametrize("state_kind", ["postgres"], indirect=True)
def test_a_select_only_role_plans_where_the_schema_does_not_exist(
    make_project: Any, state_kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A role that may not create anything (LOGIN only) runs the read paths against a database where
    the schema was never created: an empty state, everything to create."""
    import psycopg

    project = make_project(exports_yaml(1))
    owner_url = os.environ["AEP_STATE_URL"]
    schema = owner_url.rsplit("schema=", 1)[1]
    role = f"aep_ro_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_SERVER, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{role}" LOGIN')
    try:
        monkeypatch.setenv("AEP_STATE_URL", owner_url.replace("postgres@", f"{role}@", 1))
        _run_read_paths(project)
        planned = project.cli("plan", "--detailed-exitcode")
        assert planned.exit_code == 2 and "export000" in planned.output, planned.output
        assert not _schema_exists(schema)
        refused = project.cli("apply", "--auto-approve")
        assert refused.exit_code != 0 and "permission denied" in refused.output, refused.output
    finally:
        monkeypatch.setenv("AEP_STATE_URL", owner_url)
        with psycopg.connect(PG_SERVER, autocommit=True) as conn:
            conn.execute(f'DROP OWNED BY "{role}"')
            conn.execute(f'DROP ROLE "{role}"')
