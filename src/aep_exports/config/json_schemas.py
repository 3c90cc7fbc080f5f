"""JSON Schemas of the declaration and settings files, generated from the models.

The committed copies in ``schemas/`` let editors complete and check YAML (via the
``# yaml-language-server: $schema=...`` line); ``aep-exports schema --write schemas`` regenerates them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aep_exports.config.declarations import DeclarationsFile
from aep_exports.config.settings import SettingsFile

DRAFT = "https://json-schema.org/draft/2020-12/schema"
REGENERATE = "aep-exports schema --write schemas"


def declarations_schema() -> dict[str, Any]:
    """Schema of one file under ``exports/``."""
    schema = DeclarationsFile.model_json_schema(by_alias=True)
    return {"$schema": DRAFT, "title": "aep-exports declarations (exports/*.yaml)", **_without_title(schema)}


def settings_schema() -> dict[str, Any]:
    """Schema of ``aep-exports.yaml``."""
    schema = SettingsFile.model_json_schema(by_alias=True)
    return {"$schema": DRAFT, "title": "aep-exports settings (aep-exports.yaml)", **_without_title(schema)}


SCHEMAS: dict[str, Callable[[], dict[str, Any]]] = {
    "exports.schema.json": declarations_schema,
    "settings.schema.json": settings_schema,
}


def _without_title(schema: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in schema.items() if key != "title"}


def render(schema: dict[str, Any]) -> str:
    """Stable text form: what is committed and compared."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def write_schemas(directory: Path) -> list[Path]:
    """Write every schema file into ``directory``; returns the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, build in SCHEMAS.items():
        path = directory / name
        path.write_text(render(build()), encoding="utf-8")
        written.append(path)
    return written


def stale_schemas(directory: Path) -> list[str]:
    """Names of schema files in ``directory`` that are missing or differ from the models."""
    stale = []
    for name, build in SCHEMAS.items():
        path = directory / name
        if not path.is_file() or path.read_text(encoding="utf-8") != render(build()):
            stale.append(name)
    return stale
