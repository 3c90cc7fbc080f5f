"""The layers import in one direction only (see the README's Design section)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import aep_exports

ROOT = Path(aep_exports.__file__).parent
RECONCILER = {"config", "state", "client", "plan", "reconcile", "apply", "ops", "render", "scaffold", "cli",
              "errors", "extras", "redact"}

# package -> what it must never import (our subpackages, or third-party modules)
FORBIDDEN: dict[str, set[str]] = {
    "config": {"state", "client", "plan", "reconcile", "apply", "ops", "render", "cli", "platform", "httpx"},
    "state": {"client", "plan", "reconcile", "apply", "ops", "render", "cli", "platform", "httpx"},
    "plan": {"client", "reconcile", "apply", "ops", "cli", "platform", "httpx"},
    "client": {"config", "state", "plan", "reconcile", "apply", "ops", "render", "cli", "platform"},
    "render": {"client", "reconcile", "apply", "cli", "platform", "httpx"},
    "reconcile": {"apply", "ops", "cli", "platform", "httpx"},
    "apply": {"ops", "cli", "platform", "httpx"},
    "ops": {"cli", "platform", "httpx"},
    "platform": RECONCILER,
}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def _target(name: str) -> str | None:
    parts = name.split(".")
    if parts[0] == "aep_exports":
        return parts[1] if len(parts) > 1 else None
    return parts[0]


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_downwards(package: str) -> None:
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for name in _imports(path)
        if _target(name) in FORBIDDEN[package]
    ]
    assert offenders == []


def test_nothing_imports_the_cli() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in sorted(ROOT.rglob("*.py"))
        if path.relative_to(ROOT).parts[0] not in {"cli", "__main__.py"}
        for name in _imports(path)
        if _target(name) == "cli" and name.startswith("aep_exports.")
    ]
    assert offenders == []
