"""The committed JSON Schemas match the models, and accept the examples."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema  # type: ignore[import-untyped]
import yaml

from aep_exports.config.json_schemas import REGENERATE, SCHEMAS, render, stale_schemas


def test_committed_schemas_are_up_to_date(repo_root: Path) -> None:
    stale = stale_schemas(repo_root / "schemas")
    assert stale == [], f"schemas/{', '.join(stale)} out of date: regenerate with `{REGENERATE}`"


def test_examples_conform_to_the_schemas(repo_root: Path) -> None:
    exports_schema = json.loads(render(SCHEMAS["exports.schema.json"]()))
    for path in sorted((repo_root / "exports").rglob("*.yaml")):
        jsonschema.validate(yaml.safe_load(path.read_text(encoding="utf-8")), exports_schema)
    settings_schema = json.loads(render(SCHEMAS["settings.schema.json"]()))
    jsonschema.validate(
        yaml.safe_load((repo_root / "aep-exports.yaml").read_text(encoding="utf-8")), settings_schema
    )


def test_schema_rejects_unknown_keys_and_bad_status() -> None:
    schema = SCHEMAS["exports.schema.json"]()
    validator = jsonschema.Draft202012Validator(schema)
    good = {
        "exports": {
            "a": {
                "dataset": "t",
                "schedule": "@daily",
                "filter": {"segments": [{"segmentId": "s", "status": ["realized"]}]},
            }
        }
    }
    assert list(validator.iter_errors(good)) == []
    typo = {"exports": {"a": {"dataset": "t", "schedule": "@daily", "filtr": {}}}}
    assert list(validator.iter_errors(typo))
    status = {
        "exports": {
            "a": {
                "dataset": "t",
                "schedule": "@daily",
                "filter": {"segments": [{"segmentId": "s", "status": ["realised"]}]},
            }
        }
    }
    assert list(validator.iter_errors(status))
