"""The installed script and ``CliRunner().invoke(cli, …)`` agree on exit codes and messages.

Our errors are click exceptions, so both paths print ``Error: …`` / ``Hint: …`` and exit with the
error's code: 1 error, 64 usage, 130 interrupted. Each case runs both ways and compares.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from aep_exports.cli.main import cli

SCRIPT = Path(sys.executable).with_name("aep-exports")
SECRET = "S3CR3T-in-url"
EXPORTS = """\
datasets:
  target:
    name: Target
exports:
  daily:
    dataset: target
    schedule: "@daily"
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "main.yaml").write_text(EXPORTS, encoding="utf-8")
    return tmp_path


def _env(extra: dict[str, str]) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("AEP_", "FORCE_COLOR", "NO_COLOR"))}
    # CliRunner wraps help at 80 columns; a terminal 82 wide gives the script the same (click keeps 2).
    return {**keep, "NO_COLOR": "1", "COLUMNS": "82", **extra}


CASES: list[tuple[str, list[str], dict[str, str], int, str]] = [
    # (label, args after --project, environment, exit code, text the output must hold)
    ("version", ["--version"], {}, 0, "aep-exports, version"),
    ("valid project", ["validate"], {}, 0, "OK: 1 dataset, 1 export in 1 file"),
    ("unknown command", ["plna"], {}, 64, "No such command 'plna'"),
    ("bad choice", ["validate", "--format", "xml"], {}, 64, "Invalid value for '--format'"),
    ("unknown option", ["plan", "--nope"], {}, 64, "No such option '--nope'"),
    (
        "--now without a time zone",
        ["plan", "--now", "2026-12-08T00:00:00"],
        {},
        64,
        "is not an RFC 3339 timestamp with a time zone",
    ),
    ("--now year 1", ["status", "--now", "0001-01-01T00:00:00Z"], {}, 64, "is before 1970"),
    ("--now year 9999", ["status", "--now", "9999-12-31T23:59:59Z"], {}, 64, "too far in the future"),
    (
        "AEP_EXPORTS_NOW without a zone",
        ["status"],
        {"AEP_EXPORTS_NOW": "2026-12-08T00:00"},
        64,
        "Invalid value for '--now'",
    ),
    ("bad duration flag", ["apply", "--lock-timeout", "1h1h"], {}, 64, "Invalid value for '--lock-timeout'"),
    (
        "bad duration from the environment",
        ["apply"],
        {"AEP_EXPORTS_LOCK_TIMEOUT": "soon"},
        64,
        "'soon' is not a duration",
    ),
    ("rm without --yes off a terminal", ["state", "rm", "daily"], {}, 1, "'daily' is not in the state"),
    (
        "platform flag with user info",
        ["--platform", f"https://user:{SECRET}@platform.adobe.io", "validate"],
        {},
        1,
        "'https://***@platform.adobe.io' holds user info",
    ),
    (
        "AEP_PLATFORM with user info",
        ["validate"],
        {"AEP_PLATFORM": f"https://{SECRET}@platform.adobe.io"},
        1,
        "https://***@platform.adobe.io",
    ),
    (
        "AEP_IMS_URL with user info",
        ["validate"],
        {"AEP_IMS_URL": f"https://u:{SECRET}@ims.example"},
        1,
        "https://***@ims.example",
    ),
    ("download of an unknown key", ["download", "nosuchkey"], {}, 1, "unknown key 'nosuchkey'"),
    ("state help lists push and pull", ["state", "--help"], {}, 0, "push"),
]


@pytest.mark.parametrize(("label", "args", "env", "code", "text"), CASES, ids=[c[0] for c in CASES])
def test_runner_and_script_agree(
    project: Path, label: str, args: list[str], env: dict[str, str], code: int, text: str
) -> None:
    argv = ["--project", str(project), *args]
    runner = CliRunner(env=_env(env)).invoke(cli, argv, catch_exceptions=False)
    script = subprocess.run(
        [str(SCRIPT), *argv],
        capture_output=True,
        text=True,
        env=_env(env),
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert (runner.exit_code, script.returncode) == (code, code), (runner.output, script.stderr)
    assert text in runner.output and text in script.stdout + script.stderr
    # The same lines, on the same streams.
    assert runner.stdout == script.stdout
    assert runner.stderr == script.stderr
    for output in (runner.output, script.stderr):
        assert SECRET not in output and "Traceback" not in output
    if code:
        assert script.stderr.startswith(("Error: ", "Usage: ")) and script.stdout == ""


def test_state_help_lists_every_subcommand(project: Path) -> None:
    shown = CliRunner().invoke(cli, ["state", "--help"]).output
    for name in ("list", "show", "rm", "push", "pull"):
        assert f"  {name} " in shown


def test_ctrl_c_exits_130_in_the_runner(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import aep_exports.config.loader as loader

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(loader, "load_declarations", interrupted)
    result = CliRunner().invoke(cli, ["--project", str(project), "validate"])
    assert result.exit_code == 130 and "Interrupted." in result.output and "Aborted" not in result.output


def test_ctrl_c_exits_130_from_the_script(project: Path) -> None:
    """SIGINT while waiting for the state lock: exit 130, one line, no traceback."""
    from aep_exports.platform.credentials import DEV_ORG_ID
    from aep_exports.state.file_backend import FileStateBackend

    backend = FileStateBackend(project / ".aep-exports" / "state", DEV_ORG_ID, "prod")
    with backend.lock(timeout=0, command="test holder"):
        proc = subprocess.Popen(
            [str(SCRIPT), "--project", str(project), "state", "rm", "daily", "--yes", "--lock-timeout", "2m"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env({}),
        )
        time.sleep(1.5)  # let it reach the lock wait
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "Interrupted." and "Traceback" not in err
