"""Importing the platform package stays light (its import rules are checked in tests/unit/test_layers.py)."""

from __future__ import annotations


def test_importing_the_package_is_light() -> None:
    import subprocess
    import sys

    code = (
        "import sys, aep_exports.platform, aep_exports.platform.credentials;"
        "print(sorted(m for m in ('fastapi', 'httpx', 'duckdb', 'pyarrow') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
