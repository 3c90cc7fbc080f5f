"""`aep-exports init`: the scaffolded project validates, and nothing that exists is overwritten."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from aep_exports import __version__
from aep_exports.cli.main import cli
from aep_exports.config.settings import load_settings
from aep_exports.scaffold import PROJECT_FILES, scaffold_project, template_text
from aep_exports.scaffold.project import pinned_version

EXPECTED = ["aep-exports.yaml", "exports/example.yaml", ".gitignore", ".github/workflows/aep-exports.yml",
            "schemas/exports.schema.json", "schemas/settings.schema.json"]


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_init_into_an_empty_directory_creates_a_project_that_validates(tmp_path: Path) -> None:
    target = tmp_path / "new-project"
    code, output = run("init", str(target))
    assert code == 0, output
    for relative in EXPECTED:
        assert (target / relative).is_file(), relative
        assert f"created  {relative}" in output
    assert "6 file(s) created, 0 left unchanged" in output

    code, output = run("--project", str(target), "validate")
    assert code == 0, output
    assert "1 dataset, 1 export" in output


def test_init_uses_the_project_option_when_no_directory_is_given(tmp_path: Path) -> None:
    code, _ = run("--project", str(tmp_path), "init")
    assert code == 0
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert written == sorted(EXPECTED)


def test_init_never_overwrites_and_says_what_it_skipped(tmp_path: Path) -> None:
    (tmp_path / "aep-exports.yaml").write_text("platform: local\nsandbox: dev\n")
    (tmp_path / ".gitignore").write_text("node_modules/\n")
    code, output = run("init", str(tmp_path))
    assert code == 0
    assert "skipped  aep-exports.yaml (already exists; left unchanged)" in output
    assert "skipped  .gitignore (already exists; left unchanged)" in output
    assert "created  exports/example.yaml" in output
    assert (tmp_path / "aep-exports.yaml").read_text() == "platform: local\nsandbox: dev\n"
    assert (tmp_path / ".gitignore").read_text() == "node_modules/\n"

    workflow = tmp_path / ".github/workflows/aep-exports.yml"
    workflow.write_text("# edited by the team\n")
    code, output = run("init", str(tmp_path))
    assert code == 0 and "0 file(s) created, 6 left unchanged" in output
    assert workflow.read_text() == "# edited by the team\n"


def test_init_refuses_a_file_as_directory(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "file")])
    assert result.exit_code != 0
    assert not (tmp_path / "aep-exports.yaml").exists()


def test_settings_template_is_the_local_platform_and_documents_every_adobe_setting() -> None:
    text = PROJECT_FILES["aep-exports.yaml"]()  # the template with this version pinned
    assert yaml.safe_load(text) == {
        "required_version": pinned_version(__version__),
        "platform": "local",
        "sandbox": "prod",
    }
    for variable in ("AEP_CLIENT_ID", "AEP_CLIENT_SECRET", "AEP_SCOPES", "AEP_ORG_ID", "AEP_SANDBOX_NAME",
                     "AEP_IMS_URL", "AEP_STATE_URL"):
        assert variable in text, variable


def test_commented_settings_are_valid_once_uncommented(tmp_path: Path) -> None:
    """The commented keys are real settings with valid example values, not prose that has drifted."""
    lines = []
    for line in PROJECT_FILES["aep-exports.yaml"]().splitlines():
        match = re.match(r"^# ([a-z_]+): (\S.*?)(\s+#.*)?$", line)
        lines.append(f"{match.group(1)}: {match.group(2)}" if match else line)
    uncommented = "\n".join(lines)
    keys = set(yaml.safe_load(uncommented))
    assert {"org", "state", "parallelism", "request_timeout", "deadline", "lock_timeout"} <= keys
    (tmp_path / "aep-exports.yaml").write_text(uncommented)
    settings = load_settings(tmp_path, environ={})
    assert settings.org and settings.org.endswith("@AdobeOrg")


def test_example_and_settings_carry_a_schema_line_that_points_at_a_written_schema(tmp_path: Path) -> None:
    scaffold_project(tmp_path)
    for relative in ("exports/example.yaml", "aep-exports.yaml"):
        path = tmp_path / relative
        first = path.read_text().splitlines()[0]
        match = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
        assert match, first
        schema_path = (path.parent / match.group(1)).resolve()
        schema = json.loads(schema_path.read_text())
        jsonschema.validate(yaml.safe_load(path.read_text()), schema)


def test_example_declares_one_daily_incremental_export_into_its_dataset() -> None:
    data = yaml.safe_load(template_text("example.yaml"))
    assert list(data["datasets"]) == ["example-profiles"]
    (_key, export), = data["exports"].items()
    assert export["dataset"] == "example-profiles" and export["incremental"] is True
    assert re.fullmatch(r"\d+ \d+ \* \* \*", export["schedule"]) or export["schedule"] == "@daily"


def test_gitignore_keeps_local_state_and_plans_out_of_git() -> None:
    lines = template_text("gitignore").splitlines()
    assert ".aep-exports/" in lines and "plan.json" in lines


def test_every_project_file_is_produced_without_error() -> None:
    assert list(PROJECT_FILES) == EXPECTED
    for produce in PROJECT_FILES.values():
        assert produce().strip()


@pytest.mark.parametrize("name", ["settings.yaml", "example.yaml", "workflow.yml"])
def test_templates_are_plain_yaml(name: str) -> None:
    assert isinstance(yaml.safe_load(template_text(name)), dict)
