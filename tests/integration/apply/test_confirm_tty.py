"""``apply`` without a plan file on a real terminal: it shows the plan, asks, and obeys the answer."""

from __future__ import annotations

import errno
import os
import select
import subprocess
import time

import pytest

from aep_exports.config.settings import ENV_VARS
from support.declarations import exports_yaml
from support.projects import Project, ProjectFactory

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
def project(make_project: ProjectFactory) -> Project:
    """A project on the embedded local platform (one dataset, one due export), profiles seeded."""
    return make_project(exports_yaml(1))


def terminal_env() -> dict[str, str]:
    hidden = {*ENV_VARS.values(), "AEP_EXPORTS_NOW", "AEP_EXPORTS_PROJECT", "GITHUB_STEP_SUMMARY", "CI"}
    env = {k: v for k, v in os.environ.items() if k not in hidden}
    env.update({"NO_COLOR": "1", "TERM": "xterm", "COLUMNS": "120", "PYTHONUNBUFFERED": "1"})
    return env


def answer_prompt(project: Project, answer: str) -> tuple[int, str]:
    """Run ``apply`` on a terminal, type ``answer`` at the prompt; the exit code and the whole screen."""
    deadline = time.monotonic() + DEADLINE_S
    terminal = Terminal(project.command("apply"), terminal_env())
    try:
        before = terminal.read_until(PROMPT, deadline)
        assert '+ create dataset "target"' in before and '+ run export "export000"' in before
        assert "Plan: 1 dataset to create, 1 export to run." in before
        terminal.type(answer)
        code = terminal.finish(deadline)
        return code, terminal.screen
    finally:
        terminal.close()


def platform_datasets(project: Project) -> dict[str, object]:
    """The datasets on the project's embedded platform, read through its in-process app."""
    with project.client() as client:
        return {dataset.id: dataset for dataset in client.list_datasets()}


def test_answering_no_cancels_and_changes_nothing(project: Project) -> None:
    code, screen = answer_prompt(project, "no")
    assert code == 1, screen
    assert "Error: apply cancelled; nothing was changed" in screen
    assert "created dataset" not in screen and "started job" not in screen
    state = project.state()
    assert state.serial == 0 and state.datasets == {} and state.exports == {}
    assert platform_datasets(project) == {}


def test_answering_yes_carries_out_the_plan(project: Project) -> None:
    code, screen = answer_prompt(project, "yes")
    assert code == 0, screen
    assert "✓ create dataset target: created dataset" in screen
    assert "✓ run export export000: started job" in screen
    state = project.state()
    dataset_id = state.datasets["target"].id
    (run,) = state.exports["export000"].runs
    assert run.job_id is not None
    assert list(platform_datasets(project)) == [dataset_id]
