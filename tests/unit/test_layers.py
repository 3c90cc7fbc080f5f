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


def test_the_profile_store_does_not_import_its_seed_generator() -> None:
    """The generator writes into the store, never the other way round (an import cycle, issue 12)."""
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in sorted((ROOT / "platform" / "store").rglob("*.py"))
        for name in _imports(path)
        if name.startswith("aep_exports.platform.seeddata")
    ]
    assert offenders == []


# Packages that may hold state records (the layers above let them import `state`).
STATE_USERS = ("plan", "reconcile", "apply", "ops", "render", "cli", "scaffold")
_MUTATORS = frozenset({"append", "insert", "extend", "pop", "popitem", "remove", "clear", "sort", "reverse",
                       "update", "setdefault"})


def _state_fields() -> tuple[frozenset[str], frozenset[str]]:
    """(every field name of a state record, the fields holding a list or a dict)."""
    from aep_exports.state import model

    records = (model.StateDocument, model.DatasetRecord, model.ExportRecord, model.RunRecord, model.Intent,
               model.AppliedExport, model.AppliedDataset)
    names = {name for record in records for name in record.model_fields}
    containers = {
        name
        for record in records
        for name, info in record.model_fields.items()
        if getattr(info.annotation, "__origin__", None) in (list, dict)
    }
    return frozenset(names), frozenset(containers)


def _state_writes(tree: ast.AST, fields: frozenset[str], containers: frozenset[str]) -> list[tuple[int, str]]:
    """Assignments to ``x.<field>`` (not ``self``), to ``x.<container>[...]``, and mutating calls on one."""

    def outside_attr(node: ast.AST, names: frozenset[str]) -> str | None:
        if isinstance(node, ast.Attribute) and node.attr in names:
            base = node.value
            if not (isinstance(base, ast.Name) and base.id in ("self", "cls")):
                return node.attr
        return None

    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        targets: list[ast.AST] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        elif isinstance(node, ast.Delete):
            targets = list(node.targets)
        flat: list[ast.AST] = []
        for target in targets:
            flat.extend(target.elts if isinstance(target, ast.Tuple) else [target])
        for target in flat:
            name = outside_attr(target, fields)
            if name is None and isinstance(target, ast.Subscript):
                name = outside_attr(target.value, containers)
            if name is not None:
                found.append((node.lineno, f"writes .{name}"))
        call = node.func if isinstance(node, ast.Call) else None
        if isinstance(call, ast.Attribute) and call.attr in _MUTATORS:
            name = outside_attr(call.value, containers)
            if name is not None:
                found.append((node.lineno, f"calls .{name}.{call.attr}()"))
    return found


def test_only_the_state_package_changes_state_records() -> None:
    """State owns its invariants: other packages call its operations instead of assigning fields."""
    fields, containers = _state_fields()
    assert {"status", "watermark", "spec", "runs", "datasets", "intents"} <= fields
    assert {"runs", "datasets", "exports", "intents", "batches"} <= containers
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {what}"
        for package in STATE_USERS
        for path in sorted((ROOT / package).rglob("*.py"))
        for line, what in _state_writes(ast.parse(path.read_text(encoding="utf-8")), fields, containers)
    ]
    assert offenders == []


def test_the_state_write_check_sees_direct_writes() -> None:
    fields, containers = _state_fields()
    source = (
        "run.status = 'FAILED'\n"
        "record.watermark, run.note = now, ''\n"
        "doc.datasets[key] = value\n"
        "del doc.exports[key]\n"
        "record.runs.append(run)\n"
        "self.status = 'ok'\n"  # an object's own attribute is not a state record's
        "report.results.append(r)\n"
    )
    assert [line for line, _ in _state_writes(ast.parse(source), fields, containers)] == [1, 2, 2, 3, 4, 5]
