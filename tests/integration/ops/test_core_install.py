"""The core install (no ``local`` extra) validates, plans and applies against a served platform, and a
command that needs the local platform says which extra to install.

The extra's packages are made unimportable in a fresh interpreter (a meta-path finder that refuses
them), which is what a venv built with ``pip install aep-exports`` looks like to the code.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from aep_exports.extras import EXTRAS
from aep_exports.platform.credentials import DEV_CLIENT_ID, DEV_CLIENT_SECRET, DEV_ORG_ID

BLOCKED = EXTRAS["local"]
RUN = f"""
import importlib.abc, sys
class Missing(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {BLOCKED!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}")
        return None
sys.meta_path.insert(0, Missing())
import importlib.util
_find = importlib.util.find_spec
def find_spec(name, package=None):
    return None if name.split(".")[0] in {BLOCKED!r} else _find(name, package)
importlib.util.find_spec = find_spec
from aep_exports.cli.main import main
main(sys.argv[1:])
"""
EXPORTS = """\
datasets:
  target:
    name: Core install target
exports:
  daily:
    dataset: target
    schedule: "0 3 * * *"
"""


def run(project: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("AEP_")}
    return subprocess.run(
        [sys.executable, "-c", RUN, "--project", str(project), *args],
        capture_output=True,
        text=True,
        env={**base, **(env or {})},
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def make_project(root: Path) -> Path:
    (root / "exports").mkdir(parents=True)
    (root / "exports" / "main.yaml").write_text(EXPORTS, encoding="utf-8")
    return root


def test_commands_that_need_the_local_platform_name_the_extra(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    assert run(project, "validate").returncode == 0
    for args in (["plan"], ["demo"], ["platform", "seed"], ["platform", "serve", "--port", "0"]):
        done = run(project, *args)
        assert done.returncode == 1, (args, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert lines[0].endswith(
            "needs the 'local' extra (fastapi, uvicorn, duckdb, pyarrow, jsonpatch not installed)"
        ), lines
        assert lines[1] == "Hint: pip install 'aep-exports[local]'" and len(lines) == 2


def test_the_core_install_plans_and_applies_against_a_served_platform(
    platform_server: Any, tmp_path: Path
) -> None:
    project = make_project(tmp_path / "project")
    env = {
        "AEP_PLATFORM": platform_server.url,
        "AEP_IMS_URL": platform_server.url,
        "AEP_ORG_ID": DEV_ORG_ID,
        "AEP_CLIENT_ID": DEV_CLIENT_ID,
        "AEP_CLIENT_SECRET": DEV_CLIENT_SECRET,
        "AEP_SANDBOX_NAME": "core",
    }
    now = "2026-01-02T04:00:00Z"
    assert run(project, "validate", env=env).returncode == 0
    planned = run(project, "plan", "--detailed-exitcode", "--now", now, env=env)
    assert planned.returncode == 2, planned.stderr
    applied = run(project, "apply", "--auto-approve", "--now", now, env=env)
    assert applied.returncode == 0, applied.stderr
    again = run(project, "plan", "--detailed-exitcode", "--now", now, env=env)
    assert again.returncode == 0, again.stdout + again.stderr
