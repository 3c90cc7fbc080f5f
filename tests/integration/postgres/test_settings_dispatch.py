"""`state: postgresql://...` (or AEP_STATE_URL) selects the PostgreSQL backend for every command."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from aep_exports.cli.main import cli
from aep_exports.config.settings import load_settings
from aep_exports.platform.credentials import DEV_ORG_ID
from aep_exports.state.backend import open_backend
from aep_exports.state.model import DatasetRecord
from aep_exports.state.postgres import PostgresStateBackend


def test_the_settings_file_and_the_environment_select_the_database(tmp_path: Path, pg_url: str) -> None:
    (tmp_path / "aep-exports.yaml").write_text(f"org: ORG1@AdobeOrg\nsandbox: dev\nstate: '{pg_url}'\n")
    backend = open_backend(load_settings(tmp_path, {}, environ={}))
    assert isinstance(backend, PostgresStateBackend)
    assert (backend.org, backend.sandbox) == ("ORG1@AdobeOrg", "dev")

    (tmp_path / "aep-exports.yaml").write_text("org: ORG1@AdobeOrg\n")
    from_env = open_backend(load_settings(tmp_path, {}, environ={"AEP_STATE_URL": pg_url}))
    assert isinstance(from_env, PostgresStateBackend) and from_env.sandbox == "prod"


def test_state_commands_read_the_shared_database(tmp_path: Path, pg_url: str) -> None:
    (tmp_path / "aep-exports.yaml").write_text("platform: local\n")
    shared = PostgresStateBackend(pg_url, DEV_ORG_ID, "prod")
    doc = shared.read()
    doc.datasets["shared-dataset"] = DatasetRecord(id="e" * 24)
    shared.write(doc, expected_serial=0)
    runner = CliRunner(env={"AEP_STATE_URL": pg_url})
    result = runner.invoke(cli, ["--project", str(tmp_path), "state", "list"])
    assert result.exit_code == 0, result.output
    assert "shared-dataset" in result.output and "e" * 24 in result.output
    assert not (tmp_path / ".aep-exports").exists()
