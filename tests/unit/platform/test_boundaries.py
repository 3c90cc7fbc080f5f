"""The platform is an independent implementation: it imports nothing from the reconciler."""

from __future__ import annotations

import ast
from pathlib import Path

import aep_exports.platform

RECONCILER = ("config", "state", "client", "plan", "apply", "cli", "errors", "render")


def test_platform_imports_nothing_from_the_reconciler() -> None:
    root = Path(aep_exports.platform.__file__).parent
    offenders = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                parts = name.split(".")
                if parts[0] == "aep_exports" and len(parts) > 1 and parts[1] in RECONCILER:
                    offenders.append(f"{path.relative_to(root)}: {name}")
    assert offenders == []


def test_importing_the_package_is_light() -> None:
    import subprocess
    import sys

    code = (
        "import sys, aep_exports.platform, aep_exports.platform.credentials;"
        "print(sorted(m for m in ('fastapi', 'httpx', 'duckdb', 'pyarrow') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
