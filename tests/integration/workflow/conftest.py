"""Helpers for the tests of the GitHub Actions workflow that `aep-exports init` writes.

- ``invocations(run)``: every ``aep-exports ...`` command line of a ``run:`` block, as argv lists;
- ``check_invocation(argv)``: what in it the real click command tree does not accept;
- ``StepRunner``: runs a job's ``run:`` steps locally, the way the GitHub runner does
  (``bash --noprofile --norc -eo pipefail``, ``${{ }}`` in ``env:`` evaluated, a fresh
  ``GITHUB_STEP_SUMMARY`` and ``GITHUB_OUTPUT`` file per step), against a local project.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import pytest

from aep_exports.scaffold import workflow_text
from support.github_actions import load_yaml, postgres_state_url, substitute

BIN = Path(sys.executable).parent
_OPERATORS = set("();<>|&")


def load_workflow(action: str | None = None) -> dict[str, Any]:
    """The workflow ``init`` writes (with ``--action ACTION`` when given)."""
    return load_yaml(workflow_text(action))


@pytest.fixture
def pg_state_url() -> Iterator[str]:
    """A PostgreSQL state URL in a fresh schema (dropped after the test); skipped without a server."""
    psycopg = pytest.importorskip("psycopg")
    from support.github_actions import POSTGRES_SERVER

    try:
        with psycopg.connect(POSTGRES_SERVER, connect_timeout=3):
            pass
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_SERVER}: {str(exc).strip().splitlines()[0]}")
    yield from postgres_state_url()


@pytest.fixture
def workflow() -> dict[str, Any]:
    return load_workflow()


@pytest.fixture
def command_checker() -> Any:
    """(invocations, check_invocation), for tests (conftest modules are not importable by name)."""
    return invocations, check_invocation


@pytest.fixture
def step_runner(tmp_path: Path) -> Any:
    """``step_runner(project)``: a :class:`StepRunner` for the scaffolded workflow in ``project``."""
    return lambda project: StepRunner(project=project, workflow=load_workflow())


def invocations(run: str) -> list[list[str]]:
    """The argv (after ``aep-exports``) of each ``aep-exports`` command in a shell script."""
    found = []
    for line in run.replace("\\\n", " ").splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        tokens = list(lexer)
        for index, token in enumerate(tokens):
            if token != "aep-exports":
                continue
            args = []
            rest = tokens[index + 1:]
            for position, arg in enumerate(rest):
                following = rest[position + 1] if position + 1 < len(rest) else ""
                if set(arg) <= _OPERATORS or (arg.isdigit() and following[:1] in ("<", ">")):
                    break  # an operator, or the fd number of a redirection such as 2>&1
                args.append(arg)
            found.append(args)
    return found


def _options(command: click.Command) -> dict[str, click.Option]:
    known = {name: param for param in command.params if isinstance(param, click.Option)
             for name in (*param.opts, *param.secondary_opts)}
    return known | {"--help": click.Option(["--help"], is_flag=True)}


def _takes_value(option: click.Option) -> bool:
    return not option.is_flag and not option.count


def check_invocation(argv: list[str]) -> list[str]:
    """Problems with ``aep-exports ARGV`` against the real command tree ([] when it would parse)."""
    from aep_exports.cli.main import cli

    problems: list[str] = []
    ctx = click.Context(cli)
    command: click.Command = cli
    path = ["aep-exports"]
    args = list(argv)
    while True:
        options = _options(command)
        positionals: list[str] = []
        while args and (args[0].startswith("-") or isinstance(command, click.Group) is False):
            arg = args.pop(0)
            if not arg.startswith("-"):
                positionals.append(arg)
                continue
            name, _, inline = arg.partition("=")
            option = options.get(name)
            if option is None:
                problems.append(f"{' '.join(path)}: no option {name}")
                continue
            if _takes_value(option) and not inline:
                if not args:
                    problems.append(f"{' '.join(path)} {name}: missing value")
                    break
                inline = args.pop(0)
            if isinstance(option.type, click.Choice) and inline and inline not in option.type.choices:
                problems.append(f"{' '.join(path)} {name}: {inline!r} not in {list(option.type.choices)}")
        if isinstance(command, click.Group):
            if not args:
                problems.append(f"{' '.join(path)}: no subcommand")
                return problems
            name = args.pop(0)
            sub = command.get_command(ctx, name)
            if sub is None:
                problems.append(f"{' '.join(path)}: no command {name!r}")
                return problems
            command, path = sub, [*path, name]
            continue
        arguments = [p for p in command.params if isinstance(p, click.Argument)]
        capacity = sum(1_000 if p.nargs == -1 else p.nargs for p in arguments)
        required = sum(p.nargs for p in arguments if p.required and p.nargs > 0)
        if not required <= len(positionals) <= capacity:
            problems.append(f"{' '.join(path)}: {len(positionals)} argument(s) {positionals}, "
                            f"takes {required}..{capacity}")
        return problems


@dataclass
class StepResult:
    returncode: int
    stdout: str
    stderr: str
    summary: str
    outputs: dict[str, str]


@dataclass
class StepRunner:
    """Runs steps of the scaffolded workflow in ``project`` like the GitHub runner would."""

    project: Path
    workflow: dict[str, Any]
    context: dict[str, Any] = field(default_factory=dict)
    extra_env: dict[str, str] = field(default_factory=dict)

    def step(self, job: str, step_id: str) -> dict[str, Any]:
        steps = self.workflow["jobs"][job]["steps"]
        (found,) = [s for s in steps if s.get("id") == step_id]
        return dict(found)

    def run(self, job: str, step_id: str, *, timeout: float = 120) -> StepResult:
        step = self.step(job, step_id)
        assert "run" in step, f"{job}.{step_id} is not a run step"
        steps_ctx = self.context.setdefault("steps", {})
        env = {key: substitute(str(value), self.context)
               for key, value in {**self.workflow.get("env", {}), **step.get("env", {})}.items()}
        scratch = self.project.parent / f"runner-{job}-{step_id}"
        scratch.mkdir(exist_ok=True)
        summary, outputs = scratch / "summary.md", scratch / "outputs"
        summary.write_text("")
        outputs.write_text("")
        script = scratch / "step.sh"
        script.write_text(step["run"])
        base = {k: v for k, v in os.environ.items() if not k.startswith(("AEP_", "GITHUB_"))}
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=self.project, capture_output=True, text=True, timeout=timeout,
            env={**base, "PATH": f"{BIN}{os.pathsep}{base.get('PATH', '')}", "CI": "true",
                 "GITHUB_ACTIONS": "true", "GITHUB_SHA": "0" * 40, "GITHUB_REPOSITORY": "team/exports",
                 "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(outputs),
                 **env, **self.extra_env},
        )
        parsed = dict(line.split("=", 1) for line in outputs.read_text().splitlines() if "=" in line)
        steps_ctx[step_id] = {"outputs": parsed,
                              "outcome": "success" if result.returncode == 0 else "failure"}
        return StepResult(result.returncode, result.stdout, result.stderr, summary.read_text(), parsed)


@pytest.fixture(scope="session")
def actions_python(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """setup-python's interpreters for the harness (a :class:`Pythons`, shared by the session): one venv
    per set of extras the aep-exports action installs, its install step run for real once per set."""
    from support.github_actions import Pythons

    return Pythons(tmp_path_factory.mktemp("setup-python"))
