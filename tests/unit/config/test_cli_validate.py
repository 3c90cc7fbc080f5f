"""`aep-exports validate` and `schema` as a user runs them: output, exit codes, import hygiene."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = ("httpx", "fastapi", "starlette", "uvicorn", "duckdb", "pyarrow", "rich")

# Runs the real entry point in a fresh interpreter, then reports which heavy modules got imported.
PROBE = """
import json, sys
from aep_exports.cli.main import main
code = 0
try:
    main(sys.argv[1:])
except SystemExit as exit:
    code = exit.code
loaded = sorted({name.split(".")[0] for name in sys.modules} & set(HEAVY_NAMES))
print("\\nPROBE " + json.dumps({"code": code, "heavy": loaded}), file=sys.stderr)
""".replace("HEAVY_NAMES", repr(HEAVY))


def run(args: list[str], cwd: Path) -> tuple[int, str, str, list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": ""},
    )
    stderr, _, probe = done.stderr.rpartition("\nPROBE ")
    report = json.loads(probe)
    return report["code"], done.stdout, stderr, report["heavy"]


def test_help_and_validate_import_no_heavy_module(repo_root: Path) -> None:
    code, out, _, heavy = run(["--help"], repo_root)
    assert code == 0 and "validate" in out and heavy == []
    code, out, err, heavy = run(["validate"], repo_root)
    assert (code, err) == (0, "")
    assert out == "OK: 3 datasets, 3 exports in 3 files (sandbox prod)\n"
    assert heavy == []


def test_validate_reports_every_problem_and_exits_1(tmp_path: Path) -> None:
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "a.yaml").write_text(
        "exports:\n  vip-daily:\n    dataset: nowhere\n    schedule: '@dayly'\n", encoding="utf-8"
    )
    (tmp_path / "exports" / "b.yaml").write_text(
        "exports:\n  x:\n    dataset: t\n    schedule: manual\n    enabled: maybe\n", encoding="utf-8"
    )
    code, out, err, heavy = run(["validate"], tmp_path)
    assert code == 1 and out == "" and heavy == []
    assert err.startswith("Error: 2 problems in the configuration:\n")
    assert "exports/a.yaml:4:15: exports.vip-daily.schedule: '@dayly' is not a schedule" in err
    assert "exports/b.yaml:5:14: exports.x.enabled: expected true or false, got 'maybe'" in err
    assert "Traceback" not in err and "\nHint: " in err


def test_validate_json_on_failure_prints_json_and_exits_1(tmp_path: Path) -> None:
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "a.yaml").write_text("exports:\n  vip:\n    dataset: t\n", encoding="utf-8")
    code, out, err, _ = run(["validate", "--format", "json"], tmp_path)
    assert code == 1 and err == ""
    assert json.loads(out) == {
        "format_version": 1,
        "valid": False,
        "problems": [
            {
                "file": "exports/a.yaml",
                "line": 2,
                "column": 3,
                "path": "exports.vip.schedule",
                "message": "required key 'schedule' is missing",
            }
        ],
    }


def test_validate_json_success_and_sandbox_flag(repo_root: Path) -> None:
    code, out, _, _ = run(["--sandbox", "dev", "validate", "--format", "json"], repo_root)
    report = json.loads(out)
    assert code == 0 and report["valid"] is True and report["sandbox"] == "dev"
    assert (report["datasets"], report["exports"]) == (3, 3)


def test_schema_prints_both_schemas(repo_root: Path) -> None:
    code, out, _, heavy = run(["schema"], repo_root)
    schemas = json.loads(out)
    assert code == 0 and heavy == []
    assert set(schemas) == {"exports.schema.json", "settings.schema.json"}
    assert "exports" in schemas["exports.schema.json"]["properties"]
    code, out, _, _ = run(["schema", "--check", "schemas"], repo_root)
    assert code == 0
