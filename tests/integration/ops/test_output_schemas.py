"""The JSON of validate, status, drift, apply and state show carries format_version and matches the
JSON Schema published under schemas/ (real output of a real run on the local platform)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from aep_exports.cli.main import cli

SCHEMAS = Path(__file__).resolve().parents[3] / "schemas"
NOW = "2026-01-02T04:00:00Z"
EXPORTS = """\
datasets:
  target:
    name: Schema target
exports:
  daily:
    dataset: target
    schedule: "0 3 * * *"
    incremental: true
"""


def validator(name: str) -> Draft202012Validator:
    resources = []
    for path in SCHEMAS.glob("*.schema.json"):
        schema = json.loads(path.read_text(encoding="utf-8"))
        if "$id" in schema:
            resources.append((schema["$id"], Resource.from_contents(schema)))
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, registry=Registry().with_resources(resources))


def run(project: Path, *args: str, code: int = 0) -> Any:
    result = CliRunner().invoke(cli, ["--project", str(project), *args])
    assert result.exit_code == code, result.output
    return json.loads(result.stdout)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "main.yaml").write_text(EXPORTS, encoding="utf-8")
    return tmp_path


def check(name: str, data: Any) -> None:
    errors = sorted(validator(name).iter_errors(data), key=str)
    assert errors == [], [f"{list(e.absolute_path)}: {e.message}" for e in errors]
    assert data["format_version"] == 1


def test_machine_output_matches_the_published_schemas(project: Path) -> None:
    check("validate.schema.json", run(project, "validate", "--format", "json"))
    check("drift.schema.json", run(project, "drift", "--format", "json", "--now", NOW, code=2))
    applied = run(project, "apply", "--auto-approve", "--wait", "--format", "json", "--now", NOW)
    check("apply.schema.json", applied)
    assert applied["results"] and applied["runs"]
    check("status.schema.json", run(project, "status", "--format", "json", "--now", NOW))
    check("state-show.schema.json", run(project, "state", "show", "daily", "--format", "json"))
    check("state-show.schema.json", run(project, "state", "show", "target", "--format", "json"))
    check("drift.schema.json", run(project, "drift", "--format", "json", "--now", NOW))
    nothing = run(project, "apply", "--auto-approve", "--format", "json", "--now", NOW)
    check("apply.schema.json", nothing)


def test_invalid_declarations_match_the_validate_schema(project: Path) -> None:
    (project / "exports" / "bad.yaml").write_text(
        "exports:\n  x:\n    schedule: '@weekley'\n", encoding="utf-8"
    )
    data = run(project, "validate", "--format", "json", code=1)
    check("validate.schema.json", data)
    assert data["valid"] is False and len(data["problems"]) == 2


def test_a_schema_refuses_what_it_should(project: Path) -> None:
    """The schemas are not vacuous: a missing or mistyped field is an error."""
    data = run(project, "validate", "--format", "json")
    for broken in (
        {**data, "valid": "yes"},
        {k: v for k, v in data.items() if k != "problems"},
        {**data, "format_version": 2},
        {**data, "surprise": 1},
    ):
        assert list(validator("validate.schema.json").iter_errors(broken))
