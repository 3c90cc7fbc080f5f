"""`aep-exports state push` / `state pull` between a project's state file and a real PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from aep_exports.cli.main import cli
from aep_exports.platform.credentials import DEV_ORG_ID
from aep_exports.state.file_backend import FileStateBackend
from aep_exports.state.model import DatasetRecord, StateDocument
from aep_exports.state.postgres import PostgresStateBackend


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "aep-exports.yaml").write_text("platform: local\nsandbox: prod\n")
    return tmp_path


def local_backend(project: Path) -> FileStateBackend:
    return FileStateBackend(project / ".aep-exports/state", DEV_ORG_ID, "prod")


def state_cmd(project: Path, *args: str, url: str | None = None) -> tuple[int, str]:
    env = {"AEP_STATE_URL": url} if url else {"AEP_STATE_URL": ""}
    result = CliRunner(env=env).invoke(cli, ["--project", str(project), "state", *args])
    return result.exit_code, result.output


def seed_local(project: Path, *keys: str) -> StateDocument:
    backend = local_backend(project)
    doc = backend.read()
    for key in keys:
        doc.datasets[key] = DatasetRecord(id=key.ljust(24, "0")[:24])
    return backend.write(doc, expected_serial=doc.serial)


def test_push_then_pull_round_trip_and_refusals(project: Path, pg_url: str) -> None:
    local = seed_local(project, "a", "b")
    code, output = state_cmd(project, "push", "--url", pg_url)
    assert code == 0, output
    assert f"Pushed the state (lineage {local.lineage}, serial 1)" in output
    remote = PostgresStateBackend(pg_url, DEV_ORG_ID, "prod")
    stored = remote.read()
    assert stored.lineage == local.lineage and set(stored.datasets) == {"a", "b"}

    code, output = state_cmd(project, "push", url=pg_url)  # the URL from AEP_STATE_URL this time
    assert code == 0 and "already holds this state" in output

    # The team applies against the database; the local copy is now behind.
    stored.datasets["c"] = DatasetRecord(id="c" * 24)
    remote.write(stored, expected_serial=stored.serial)
    code, output = state_cmd(project, "push", "--url", pg_url)
    assert code == 1 and "it has changes the copy would lose; refusing to replace it" in output
    assert set(remote.read().datasets) == {"a", "b", "c"}

    code, output = state_cmd(project, "pull", "--url", pg_url)
    assert code == 0, output
    assert set(local_backend(project).read().datasets) == {"a", "b", "c"}
    code, output = state_cmd(project, "push", "--url", pg_url)
    assert code == 0 and "already holds this state" in output


def test_a_different_lineage_is_replaced_only_with_force(project: Path, pg_url: str) -> None:
    local = seed_local(project, "mine")
    remote = PostgresStateBackend(pg_url, DEV_ORG_ID, "prod")
    theirs = StateDocument.empty(DEV_ORG_ID, "prod")
    theirs.datasets["theirs"] = DatasetRecord(id="d" * 24)
    remote.write(theirs, expected_serial=0)

    code, output = state_cmd(project, "pull", "--url", pg_url)
    assert code == 1 and f"holds a different state (lineage {local.lineage}" in output
    code, output = state_cmd(project, "push", "--url", pg_url)
    assert code == 1 and "refusing to replace it" in output and "--force" in output
    assert remote.read().lineage == theirs.lineage

    code, output = state_cmd(project, "pull", "--url", pg_url, "--force")
    assert code == 0, output
    assert f"It replaced a state of lineage {local.lineage}, kept as" in output
    pulled = local_backend(project).read()
    assert pulled.lineage == theirs.lineage and set(pulled.datasets) == {"theirs"}
    kept = list((project / ".aep-exports/state").rglob("*.replaced-*"))
    assert len(kept) == 1 and '"mine"' in kept[0].read_text()

    seed_local(project, "more")
    code, output = state_cmd(project, "push", "--url", pg_url)
    assert code == 0, output
    assert set(remote.read().datasets) == {"theirs", "more"}


def test_push_without_a_database_or_a_local_state_explains_what_is_missing(
        project: Path, pg_url: str) -> None:
    code, output = state_cmd(project, "push")
    assert code != 0 and "no database to copy state to or from" in output
    code, output = state_cmd(project, "push", "--url", pg_url)
    assert code == 1 and "there is no state to copy in state file" in output
