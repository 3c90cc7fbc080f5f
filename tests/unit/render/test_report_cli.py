"""``aep-exports report`` as a user runs it: output, exit codes, read-only, and the optional extra."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from aep_exports.cli.main import cli
from benchmarks.report_scale import NOW, synthetic_project

STAMP = NOW.strftime("%Y-%m-%dT%H:%M:%SZ")

# The real entry point in a fresh interpreter; ``BLOCK`` makes a module unimportable first.
PROBE = """
import json, sys
for name in BLOCK:
    sys.modules[name] = None
from aep_exports.cli.main import main
code = 0
try:
    main(sys.argv[1:])
except SystemExit as exit:
    code = exit.code
loaded = sys.modules.get("plotly") is not None
print("\\nPROBE " + json.dumps({"code": code, "plotly": loaded}), file=sys.stderr)
"""


def probe(args: list[str], cwd: Path, block: tuple[str, ...] = ()) -> tuple[int, str, str, bool]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.replace("BLOCK", repr(block)), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": "", "NO_COLOR": "1"},
    )
    stderr, _, tail = done.stderr.rpartition("\nPROBE ")
    report = json.loads(tail)
    return report["code"], done.stdout, stderr, report["plotly"]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    synthetic_project(tmp_path / "project", 3, 6, gap_in=2)
    return tmp_path / "project"


def invoke(project: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--project", str(project), "report", "--now", STAMP, *args])
    return result.exit_code, result.output


def test_report_writes_one_page_atomically_and_leaves_state_alone(project, tmp_path):
    state_files = sorted((project / ".aep-exports" / "state").rglob("*"))
    before = {p: p.read_bytes() for p in state_files if p.is_file()}
    out = tmp_path / "nested" / "dir" / "r.html"
    code, output = invoke(project, "-o", str(out), "--since", "all")
    assert code == 0, output
    assert output.startswith(f"Report: {out.resolve()} (3 exports, 18 runs; ") and output.endswith(" MB)\n")
    assert out.read_text(encoding="utf-8").rstrip().endswith("</html>")
    assert not list(out.parent.glob(".*partial"))
    after = {
        p: p.read_bytes() for p in sorted((project / ".aep-exports" / "state").rglob("*")) if p.is_file()
    }
    assert after == before


def test_select_and_since_cut_the_report(project, tmp_path):
    out = tmp_path / "r.html"
    code, output = invoke(project, "-o", str(out), "--select", "export-00[01]", "--since", "12h")
    assert code == 0, output
    # export-000 is daily (one run in the last 12h), export-001 six-hourly (two).
    assert "(2 exports, 1 not selected, 3 runs; " in output
    assert 'data-key="export-002"' not in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--since", "soon"],
            "Error: Invalid value for '--since': 'soon' is not a duration like '90s', '30m', '1h30m', "
            "'1.5h', '1d' or a number of seconds, or 'all' for the whole history",
        ),
        (
            ["--since", "0s"],
            "Error: Invalid value for '--since': '0s' is zero: give a positive duration, "
            "or 'all' for the whole history",
        ),
        (["--select", "Bad Key"], "Error: --select 'Bad Key': not a key, a key glob (vip-*) or LABEL=VALUE"),
    ],
)
def test_bad_flags_are_usage_errors(project, args, message):
    code, _, stderr, _ = probe(["report", *args], project)
    assert code == 64 and message in stderr.splitlines()


def test_without_the_extra_report_says_so_in_one_line(project):
    code, stdout, stderr, _ = probe(["report", "-o", "r.html"], project, block=("plotly",))
    assert (code, stdout) == (1, "")
    assert stderr == (
        "Error: the HTML report needs the 'report' extra (plotly not installed)\n"
        "Hint: pip install 'aep-exports[report]'\n"
    )
    assert not (project / "r.html").exists()


@pytest.mark.parametrize(
    "args", [["--help"], ["validate"], ["status"], ["plan", "--help"], ["report", "--help"]]
)
def test_other_commands_never_import_plotly(project, args):
    code, _, stderr, loaded = probe(args, project)
    assert code == 0, stderr
    assert loaded is False
