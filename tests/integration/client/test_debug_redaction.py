"""``--debug`` never shows a secret: the redacting filter is on the handler, so every logger is covered.

A logger's filter does not apply to records of its children (``httpcore.http11``,
``aep_exports.client.requester``); the handler's does. Checked on log lines planted in every logger
that can log a request, and on a real ``--debug`` run against a served platform.
"""

from __future__ import annotations

import io
import logging
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from aep_exports.cli import main as cli_main
from aep_exports.client.observe import Redactor
from aep_exports.platform.credentials import DEV_CLIENT_ID, DEV_CLIENT_SECRET, DEV_ORG_ID

SECRET = "header-S3CR3T-value"
URL_PASSWORD = "url-S3CR3T-pw"
LOGGERS = [
    "httpcore.http11",
    "httpcore.connection",
    "httpx",
    "aep_exports.client.requester",
    "aep_exports.client",
    "aep_exports.apply",
    "urllib3.connectionpool",
    "root",
]


@pytest.fixture
def debug_stream(monkeypatch: pytest.MonkeyPatch) -> Any:
    stream = io.StringIO()
    monkeypatch.setattr(cli_main.sys, "stderr", stream)
    cli_main.install_debug_logging()
    yield stream
    logging.getLogger().removeHandler(cli_main._debug_handler)
    cli_main._debug_handler = None


@pytest.mark.parametrize("name", LOGGERS)
def test_every_logger_is_redacted_by_the_debug_handler(name: str, debug_stream: io.StringIO) -> None:
    redactor = Redactor([SECRET])
    assert redactor  # a live client's redactor: its secrets are known to the filter
    log = logging.getLogger(None if name == "root" else name)
    headers = {"Authorization": f"Bearer {SECRET}", "x-api-key": SECRET, "x-gw-ims-org-id": "ORG"}
    log.debug("send_request_headers %s", headers)
    log.debug("GET https://user:%s@platform.example/data?token=%s", URL_PASSWORD, SECRET)
    log.info("connect postgresql://aep:%s@db/x host=db password=%s", URL_PASSWORD, URL_PASSWORD)
    try:
        raise ValueError(f"failed with {SECRET}")
    except ValueError:
        log.exception("request failed")
    shown = debug_stream.getvalue()
    assert "send_request_headers" in shown and "request failed" in shown
    assert SECRET not in shown and URL_PASSWORD not in shown
    assert "Bearer ***" in shown and "https://***@platform.example" in shown


def test_a_debug_run_against_a_server_shows_no_credential(platform_server: Any, tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "exports").mkdir(parents=True)
    (project / "exports" / "main.yaml").write_text(
        "datasets:\n  target:\n    name: Debug target\n"
        "exports:\n  daily:\n    dataset: target\n    schedule: '@daily'\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AEP_")}
    env.update(
        {
            "AEP_PLATFORM": platform_server.url,
            "AEP_IMS_URL": platform_server.url,
            "AEP_ORG_ID": DEV_ORG_ID,
            "AEP_CLIENT_ID": DEV_CLIENT_ID,
            "AEP_CLIENT_SECRET": DEV_CLIENT_SECRET,
            "AEP_SANDBOX_NAME": "dbg",
        }
    )
    try:
        result = CliRunner(env=env).invoke(
            cli_main.cli,
            [
                "--debug",
                "--project",
                str(project),
                "apply",
                "--auto-approve",
                "--now",
                "2026-01-02T03:00:00Z",
            ],
        )
    finally:
        if cli_main._debug_handler is not None:
            logging.getLogger().removeHandler(cli_main._debug_handler)
            cli_main._debug_handler = None
    assert result.exit_code == 0, result.output
    shown = result.output
    assert "httpcore" in shown and "HTTP Request" in shown  # the debug lines are there
    with platform_server.platform.db.transaction() as conn:
        tokens = [row[0] for row in conn.execute("SELECT token FROM tokens")]
    assert tokens
    for secret in (DEV_CLIENT_SECRET, DEV_CLIENT_ID, *tokens):
        assert secret not in shown
