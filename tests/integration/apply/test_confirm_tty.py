"""``apply`` without a plan file on a real terminal: it shows the plan, asks, and obeys the answer."""

from __future__ import annotations

import asyncio
import errno
import os
import select
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from apply_project import SANDBOX, cli_args, read_state
from local_project import seeded_local_project

from aep_exports.cli.wiring import local_data_dir
from aep_exports.config.settings import ENV_VARS, load_settings

PROMPT = "Do you want to perform these actions? [y/N]:"
DEADLINE_S = 15.0


class Terminal:
    """The CLI as a child process whose stdin, stdout and stderr are one pseudo-terminal."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self._master, slave = os.openpty()
        try:
            self.process = subprocess.Popen(
                args, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
            )
        finally:
            os.close(slave)
        self.screen = ""

    def read_until(self, text: str | None, deadline: float) -> str:
        """Read the terminal until ``text`` appears (or, with None, until the child closes it)."""
        while text is None or text not in self.screen:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"timed out waiting for {text!r}; the terminal shows:\n{self.screen}"
            ready, _, _ = select.select([self._master], [], [], remaining)
            if not ready:
                continue
            try:
                chunk = os.read(self._master, 4096)
            except OSError as error:  # Linux answers EIO once every writer of the slave side is gone
                if error.errno != errno.EIO:
                    raise
                chunk = b""
            if not chunk:
                assert text is None, f"the terminal closed before {text!r}:\n{self.screen}"
                break
            self.screen += chunk.decode(errors="replace").replace("\r\n", "\n")
        return self.screen

    def type(self, line: str) -> None:
        os.write(self._master, line.encode() + b"\r")

    def finish(self, deadline: float) -> int:
        """Drain the terminal to the end and answer the exit code."""
        self.read_until(None, deadline)
        return self.process.wait(timeout=max(0.1, deadline - time.monotonic()))

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=5)
        os.close(self._master)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project on the embedded local platform (one dataset, one due export), profiles seeded."""
    return seeded_local_project(tmp_path / "project")


def terminal_env() -> dict[str, str]:
    hidden = {*ENV_VARS.values(), "AEP_EXPORTS_NOW", "AEP_EXPORTS_PROJECT", "GITHUB_STEP_SUMMARY", "CI"}
    env = {k: v for k, v in os.environ.items() if k not in hidden}
    env.update({"NO_COLOR": "1", "TERM": "xterm", "COLUMNS": "120", "PYTHONUNBUFFERED": "1"})
    return env


def answer_prompt(project: Path, answer: str) -> tuple[int, str]:
    """Run ``apply`` on a terminal, type ``answer`` at the prompt; the exit code and the whole screen."""
    deadline = time.monotonic() + DEADLINE_S
    terminal = Terminal(cli_args(project, "apply"), terminal_env())
    try:
        before = terminal.read_until(PROMPT, deadline)
        assert '+ create dataset "target"' in before and '+ run export "export000"' in before
        assert "Plan: 1 dataset to create, 1 export to run." in before
        terminal.type(answer)
        code = terminal.finish(deadline)
        return code, terminal.screen
    finally:
        terminal.close()


def platform_datasets(project: Path) -> dict[str, object]:
    """The datasets on the project's embedded platform, read over its in-process ASGI app."""
    from aep_exports.platform.app import create_app

    app = create_app(local_data_dir(load_settings(project, {})), in_process=True)
    try:
        transport = httpx.ASGITransport(app=app)

        async def read() -> dict[str, object]:
            async with httpx.AsyncClient(transport=transport, base_url="http://local") as client:
                answer = await client.get(
                    "/data/foundation/catalog/dataSets", headers=app.platform.dev_headers(SANDBOX)
                )
                answer.raise_for_status()
                found: dict[str, object] = answer.json()
                return found

        return asyncio.run(read())
    finally:
        app.platform.close()


def test_answering_no_cancels_and_changes_nothing(project: Path) -> None:
    code, screen = answer_prompt(project, "no")
    assert code == 1, screen
    assert "Error: apply cancelled; nothing was changed" in screen
    assert "created dataset" not in screen and "started job" not in screen
    state = read_state(project)
    assert state.serial == 0 and state.datasets == {} and state.exports == {}
    assert platform_datasets(project) == {}


def test_answering_yes_carries_out_the_plan(project: Path) -> None:
    code, screen = answer_prompt(project, "yes")
    assert code == 0, screen
    assert "✓ create dataset target: created dataset" in screen
    assert "✓ run export export000: started job" in screen
    state = read_state(project)
    dataset_id = state.datasets["target"].id
    (run,) = state.exports["export000"].runs
    assert run.job_id is not None
    assert list(platform_datasets(project)) == [dataset_id]
