"""``apply --forget KEY`` drops an undeclared export from state, as ``plan --forget`` plans it."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from aep_exports.cli.main import cli
from aep_exports.platform.credentials import DEV_ORG_ID
from aep_exports.state.file_backend import FileStateBackend

NOW = "2026-01-02T04:00:00Z"
DATASET = "datasets:\n  target:\n    name: Forget target\n"
EXPORT = "exports:\n  daily:\n    dataset: target\n    schedule: '0 3 * * *'\n"


def test_apply_forget_drops_an_undeclared_export(tmp_path: Path) -> None:
    (tmp_path / "exports").mkdir()
    declarations = tmp_path / "exports" / "main.yaml"
    declarations.write_text(DATASET + EXPORT, encoding="utf-8")

    def apply(*args: str) -> str:
        result = CliRunner().invoke(
            cli, ["--project", str(tmp_path), "apply", "--auto-approve", "--now", NOW, *args]
        )
        assert result.exit_code == 0, result.output
        return result.output

    apply("--wait")
    backend = FileStateBackend(tmp_path / ".aep-exports" / "state", DEV_ORG_ID, "prod")
    assert "daily" in backend.read().exports
    declarations.write_text(DATASET, encoding="utf-8")
    assert 'stop managing export "daily"' in apply()  # kept in state, recorded as orphaned
    assert backend.read().exports["daily"].orphaned
    shown = apply("--forget", "daily")
    assert "1 state entry to forget" in shown
    assert "daily" not in backend.read().exports and "target" in backend.read().datasets


def test_apply_forget_is_refused_with_a_saved_plan(tmp_path: Path) -> None:
    (tmp_path / "plan.json").write_text("{}", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--project", str(tmp_path), "apply", "plan.json", "--forget", "x"])
    assert result.exit_code == 64 and "--forget" in result.output
