"""A local GitHub Actions runner for the workflow ``aep-exports init`` writes and this repo's ``action.yml``.

What it does as GitHub does:

- a job runs when its ``if:`` holds for the event; each job starts from a fresh checkout of the
  commit (a copy of the repository's snapshot), so nothing but the artifacts and the state
  database carries over from one job to the next;
- ``run:`` steps run with ``bash --noprofile --norc -eo pipefail``, with the workflow's, job's and
  step's ``env:`` (``${{ }}`` evaluated), ``CI``, ``GITHUB_EVENT_NAME``, ``GITHUB_SHA``,
  ``GITHUB_REPOSITORY``, ``GITHUB_RUN_ID``, ``GITHUB_WORKFLOW_REF``, and fresh ``GITHUB_STEP_SUMMARY``,
  ``GITHUB_OUTPUT``, ``GITHUB_ENV`` and ``GITHUB_PATH`` files per step (the summaries make the job
  summary; outputs, env and path are read back as the runner does);
- ``if:`` is evaluated with GitHub's expression rules (``success()`` implied, ``always()``,
  ``==``/``!=`` ignoring case, ``&&``/``||`` giving an operand, '' / 0 / null falsy);
- ``timeout-minutes`` bounds a step's run.

What it emulates (``uses:``): ``actions/checkout`` (the snapshot is already there),
``actions/setup-python`` (a prepared venv first on PATH: inside the aep-exports action, one per set of
``extras`` the step asks for, seeing only the distributions ``aep-exports[EXTRAS]`` requires, linked
from this test environment — so a workflow that asks for too few extras fails here as on GitHub),
the aep-exports action (``action.yml`` of this repository, its own steps run — its ``pip install``
of the working tree for real, once per session and extras set, then replayed),
``actions/upload-artifact`` (files kept per run and name; a second upload of a name fails unless
``overwrite: true``, as v4 does),
``actions/github-script`` (the plan workflow's one script: the comment body is recorded), and the
``gh`` CLI the apply job uses (the pull request of a merge commit, a run's id, an artifact download).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
ACTION_FILE = REPO_ROOT / "action.yml"
REPOSITORY = "team/exports"
WORKFLOW_FILE = ".github/workflows/aep-exports.yml"
POSTGRES_SERVER = os.environ.get("AEP_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def load_yaml(text: str) -> dict[str, Any]:
    """A workflow or action document; YAML 1.1 reads the key ``on`` as true, put back as ``on``."""
    data: dict[str, Any] = yaml.safe_load(text)
    if True in data:
        data["on"] = data.pop(True)
    return data


# -- expressions -------------------------------------------------------------------------------------

_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<op>==|!=|&&|\|\||[!()])"
                    r"|(?P<name>[A-Za-z_][A-Za-z0-9_.\-]*(?:\(\))?))")
_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}", re.S)
_STATUS_FUNCTIONS = ("always()", "success()", "failure()", "cancelled()")


def _tokens(text: str) -> list[tuple[str, str]]:
    found, position = [], 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise ValueError(f"cannot parse expression {text!r} at {position}")
        kind = match.lastgroup or ""
        found.append((kind, match.group(kind)))
        position = match.end()
    return found


def _truthy(value: Any) -> bool:
    return value not in (None, False, "", 0)


def _equal(left: Any, right: Any) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        return left.casefold() == right.casefold()
    if isinstance(left, str) != isinstance(right, str):  # GitHub compares a string and a number as numbers
        try:
            return float(left or 0) == float(right or 0)
        except ValueError:
            return False
    return bool(left == right)


class _Parser:
    """``a || b``, ``a && b``, ``==``, ``!=``, ``!a``, ``( )``, literals, context paths, status calls."""

    def __init__(self, text: str, context: dict[str, Any], status: str) -> None:
        self.tokens = _tokens(text)
        self.context = context
        self.status = status  # "success" or "failure": how the job's steps went so far

    def parse(self) -> Any:
        value = self._or()
        if self.tokens:
            raise ValueError(f"unexpected {self.tokens[0][1]!r}")
        return value

    def _peek(self) -> str | None:
        return self.tokens[0][1] if self.tokens else None

    def _or(self) -> Any:
        value = self._and()
        while self._peek() == "||":
            self.tokens.pop(0)
            other = self._and()
            value = value if _truthy(value) else other
        return value

    def _and(self) -> Any:
        value = self._compare()
        while self._peek() == "&&":
            self.tokens.pop(0)
            other = self._compare()
            value = other if _truthy(value) else value
        return value

    def _compare(self) -> Any:
        value = self._unary()
        while self._peek() in ("==", "!="):
            operator = self.tokens.pop(0)[1]
            other = self._unary()
            value = _equal(value, other) == (operator == "==")
        return value

    def _unary(self) -> Any:
        if self._peek() == "!":
            self.tokens.pop(0)
            return not _truthy(self._unary())
        if self._peek() == "(":
            self.tokens.pop(0)
            value = self._or()
            assert self.tokens.pop(0)[1] == ")"
            return value
        kind, text = self.tokens.pop(0)
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if kind == "num":
            return float(text)
        if text in ("true", "false"):
            return text == "true"
        if text == "null":
            return None
        if text.endswith("()"):
            return {"always()": True, "cancelled()": False, "success()": self.status == "success",
                    "failure()": self.status == "failure"}[text]
        value: Any = self.context
        for part in text.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return value


def evaluate(expression: str, context: dict[str, Any], status: str = "success") -> Any:
    """The value of one expression (what is inside ``${{ }}``) in ``context``."""
    return _Parser(expression, context, status).parse()


def substitute(text: str, context: dict[str, Any]) -> str:
    """``text`` with each ``${{ expression }}`` replaced by its value ('' for null)."""

    def value(match: re.Match[str]) -> str:
        result = evaluate(match.group(1), context)
        if result is None:
            return ""
        if isinstance(result, float) and result.is_integer():
            return str(int(result))
        return str(result)

    return _EXPRESSION.sub(value, str(text))


def condition_holds(condition: Any, context: dict[str, Any], status: str) -> bool:
    """A step's or job's ``if:``: without a status function, ``success() && (condition)`` as on GitHub."""
    if condition is None:
        return status == "success"
    text = str(condition).strip()
    match = _EXPRESSION.fullmatch(text)
    text = match.group(1) if match else text
    if not any(function in text for function in _STATUS_FUNCTIONS):
        text = f"success() && ({text})"
    return _truthy(evaluate(text, context, status))


# -- what persists between jobs: commits, runs, artifacts, comments -----------------------------------

@dataclass
class WorkflowRun:
    run_id: int
    event: str
    sha: str
    jobs: dict[str, JobResult] = field(default_factory=dict)
    artifacts: dict[str, Path] = field(default_factory=dict)
    attempt: int = 1

    @property
    def conclusion(self) -> str:
        ran = [job for job in self.jobs.values() if job.conclusion != "skipped"]
        return "failure" if any(job.conclusion == "failure" for job in ran) else "success"


@dataclass
class FakeGitHub:
    """The repository's commits, merged pull requests, workflow runs, artifacts and PR comments."""

    root: Path
    commits: dict[str, Path] = field(default_factory=dict)
    pulls: dict[str, dict[str, Any]] = field(default_factory=dict)  # merge commit → pull request
    runs: list[WorkflowRun] = field(default_factory=list)
    comments: dict[int, str] = field(default_factory=dict)  # pull request number → the plan comment

    def commit(self, tree: Path) -> str:
        """Snapshot ``tree`` as a commit; its sha (content and a counter, so two commits differ)."""
        digest = hashlib.sha1(f"{len(self.commits)}".encode())
        for path in sorted(p for p in tree.rglob("*") if p.is_file()):
            digest.update(str(path.relative_to(tree)).encode() + path.read_bytes())
        sha = digest.hexdigest()
        snapshot = self.root / "commits" / sha
        shutil.copytree(tree, snapshot, ignore=shutil.ignore_patterns(".aep-exports"))
        self.commits[sha] = snapshot
        return sha

    def merge(self, number: int, head_sha: str) -> str:
        """The merge commit of pull request ``number`` (head ``head_sha``) on main: its sha."""
        merged = self.commit(self.commits[head_sha])
        self.pulls[merged] = {"number": number, "head": {"sha": head_sha}}
        return merged

    def new_run(self, event: str, sha: str) -> WorkflowRun:
        run = WorkflowRun(run_id=1000 + len(self.runs), event=event, sha=sha)
        self.runs.append(run)
        return run

    def export_for_gh(self) -> Path:
        """What the ``gh`` shim answers from, as a JSON file."""
        path = self.root / "github.json"
        path.write_text(json.dumps({
            "pulls": self.pulls,
            "runs": [{"databaseId": r.run_id, "event": r.event, "headSha": r.sha, "conclusion": r.conclusion,
                      "artifacts": {name: str(p) for name, p in r.artifacts.items()}} for r in self.runs],
        }))
        return path


GH_SHIM = '''#!/usr/bin/env python3
"""The three `gh` calls of the apply job, answered from the harness's record of the repository."""
import json, os, shutil, sys

data = json.load(open(os.environ["FAKE_GH_DATA"]))
args = sys.argv[1:]

def option(name):
    return args[args.index(name) + 1] if name in args else None

def jq(value, expression):
    # Only the form the workflow uses: '.[0].a.b // empty'
    path = expression.split("//")[0].strip()
    for part in filter(None, path.replace("[0]", ".0").split(".")):
        value = value[int(part)] if part.isdigit() and isinstance(value, list) and len(value) > int(part) \\
            else (value.get(part) if isinstance(value, dict) else None)
        if value is None:
            return ""
    return str(value)

if args[:1] == ["api"]:
    sha = args[1].split("/commits/")[1].split("/")[0]
    pulls = [data["pulls"][sha]] if sha in data["pulls"] else []
    print(jq(pulls, option("--jq")) if option("--jq") else json.dumps(pulls))
elif args[:2] == ["run", "list"]:
    runs = [r for r in reversed(data["runs"]) if r["headSha"] == option("--commit")
            and r["event"] == (option("--event") or r["event"])
            and (option("--status") is None or r["conclusion"] == option("--status"))]
    runs = runs[: int(option("--limit") or 20)]
    print(jq(runs, option("--jq")) if option("--jq") else json.dumps(runs))
elif args[:2] == ["run", "download"]:
    run = next((r for r in data["runs"] if str(r["databaseId"]) == args[2]), None)
    source = run and run["artifacts"].get(option("--name"))
    if not source:
        print("no artifact matches any of the names or patterns provided", file=sys.stderr)
        sys.exit(1)
    shutil.copytree(source, option("--dir") or ".", dirs_exist_ok=True)
else:
    print("fake gh: unsupported call " + " ".join(args), file=sys.stderr)
    sys.exit(2)
'''


# -- the runner ---------------------------------------------------------------------------------------

@dataclass
class StepResult:
    name: str
    outcome: str  # success | failure | skipped
    outputs: dict[str, str] = field(default_factory=dict)
    stdout: str = ""
    stderr: str = ""
    summary: str = ""


@dataclass
class JobResult:
    name: str
    conclusion: str  # success | failure | skipped
    steps: list[StepResult] = field(default_factory=list)
    workspace: Path | None = None

    @property
    def summary(self) -> str:
        """The job summary: every step's GITHUB_STEP_SUMMARY, in order."""
        return "".join(step.summary for step in self.steps)

    @property
    def log(self) -> str:
        return "\n".join(f"--- {s.name} ({s.outcome})\n{s.stdout}{s.stderr}" for s in self.steps)

    def step(self, name_or_id: str) -> StepResult:
        (found,) = [s for s in self.steps if s.name == name_or_id]
        return found


def _read_key_values(path: Path) -> dict[str, str]:
    """``KEY=value`` lines and ``KEY<<DELIM`` … ``DELIM`` blocks (GITHUB_OUTPUT / GITHUB_ENV)."""
    values: dict[str, str] = {}
    lines = path.read_text().splitlines() if path.exists() else []
    index = 0
    while index < len(lines):
        line = lines[index]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            key, delimiter = line.split("<<", 1)
            block = []
            index += 1
            while index < len(lines) and lines[index] != delimiter:
                block.append(lines[index])
                index += 1
            values[key] = "\n".join(block)
        elif "=" in line:
            key, value = line.split("=", 1)
            values[key] = value
        index += 1
    return values


@dataclass
class Runner:
    """Runs the workflow of a repository recorded in ``github`` for events, as GitHub would."""

    github: FakeGitHub
    pythons: Pythons
    secrets: dict[str, str] = field(default_factory=dict)
    vars: dict[str, str] = field(default_factory=dict)
    machine_env: dict[str, str] = field(default_factory=dict)  # e.g. the clock every job sees

    def trigger(self, event: str, sha: str, payload: dict[str, Any] | None = None, *,
                rerun: WorkflowRun | None = None) -> WorkflowRun:
        """Run every job the workflow of commit ``sha`` has for ``event``; the run, recorded.

        ``rerun``: "Re-run all jobs" of that run instead: same run id, its artifacts still there.
        """
        workflow = load_yaml((self.github.commits[sha] / WORKFLOW_FILE).read_text())
        run = rerun if rerun is not None else self.github.new_run(event, sha)
        run.attempt += 1 if rerun is not None else 0
        github_ctx = {"event_name": event, "event": payload or {}, "sha": sha, "repository": REPOSITORY,
                      "run_id": str(run.run_id), "token": "ghs_fake-token-of-the-run",
                      "workflow_ref": f"{REPOSITORY}/{WORKFLOW_FILE}@refs/heads/main"}
        for name, job in workflow["jobs"].items():
            context = {"github": github_ctx, "secrets": self.secrets, "vars": self.vars, "env": {},
                       "steps": {}, "inputs": {}}
            if not condition_holds(job.get("if"), context, "success"):
                run.jobs[name] = JobResult(name, "skipped")
                continue
            run.jobs[name] = self._job(workflow, name, job, run, context)
        return run

    def _job(self, workflow: dict[str, Any], name: str, job: dict[str, Any], run: WorkflowRun,
             context: dict[str, Any]) -> JobResult:
        assert "timeout-minutes" in job, f"job {name} has no timeout-minutes"
        home = self.github.root / "runners" / f"{run.run_id}-{run.attempt}-{name}"
        workspace, temp = home / "work", home / "temp"
        temp.mkdir(parents=True)
        shutil.copytree(self.github.commits[run.sha], workspace)  # actions/checkout, a fresh runner
        result = JobResult(name, "success", workspace=workspace)
        env: dict[str, str] = {}
        for key, value in {**workflow.get("env", {}), **job.get("env", {})}.items():
            env[key] = substitute(value, context)
        context["env"] = env
        path: list[str] = []
        shell = workflow.get("defaults", {}).get("run", {}).get("shell", "bash")
        assert shell == "bash"
        for index, step in enumerate(job["steps"]):
            step_name = step.get("id") or step.get("name") or f"step-{index}"
            status = "failure" if any(s.outcome == "failure" for s in result.steps) else "success"
            if not condition_holds(step.get("if"), context, status):
                result.steps.append(StepResult(step_name, "skipped"))
                continue
            outcome = self._step(step, step_name, context, env, path, workspace, temp, run,
                                 float(job["timeout-minutes"]) * 60)
            result.steps.append(outcome)
            if "id" in step:
                context["steps"][step["id"]] = {"outcome": outcome.outcome, "conclusion": outcome.outcome,
                                                "outputs": outcome.outputs}
        if any(s.outcome == "failure" for s in result.steps):
            result.conclusion = "failure"
        return result

    def _step(self, step: dict[str, Any], name: str, context: dict[str, Any], env: dict[str, str],
              path: list[str], workspace: Path, temp: Path, run: WorkflowRun, timeout: float) -> StepResult:
        step_env = {**env, **{k: substitute(v, context) for k, v in step.get("env", {}).items()}}
        if "run" in step:
            return self._bash(name, step["run"], step_env, path, workspace, temp, run, env, timeout)
        uses = str(step["uses"])
        with_ = {k: substitute(v, context) for k, v in step.get("with", {}).items()}
        if uses.startswith(("actions/checkout@", "actions/cache/")):
            return StepResult(name, "success")
        if uses.startswith("actions/setup-python@"):
            # Inside the aep-exports action: the venv for the extras its install step asks for.
            path.insert(0, str(self.pythons.bin(context.get("inputs", {}).get("extras", ""))))
            return StepResult(name, "success")
        if uses.startswith("actions/upload-artifact@"):
            return self._upload(name, with_, workspace, run)
        if uses.startswith("actions/github-script@"):
            number = int(context["github"]["event"].get("pull_request", {}).get("number", 0))
            self.github.comments[number] = (workspace / "comment.md").read_text()
            return StepResult(name, "success")
        if re.fullmatch(r"[^/]+/aep-exports@[^\s]+", uses):
            return self._action(name, with_, context, env, path, workspace, temp, run, timeout)
        raise AssertionError(f"the harness does not emulate `uses: {uses}`")

    def _action(self, name: str, with_: dict[str, str], context: dict[str, Any], env: dict[str, str],
                path: list[str], workspace: Path, temp: Path, run: WorkflowRun, timeout: float) -> StepResult:
        """The composite action of ``action.yml``: its steps, with ``inputs`` and ``github.action_path``."""
        action = load_yaml(ACTION_FILE.read_text())
        assert action["runs"]["using"] == "composite"
        inputs = {key: str(spec.get("default", "")) for key, spec in action.get("inputs", {}).items()}
        inputs.update(with_)
        inner = {**context, "inputs": inputs, "steps": {},
                 "github": {**context["github"], "action_path": str(REPO_ROOT)}}
        results = []
        for index, step in enumerate(action["runs"]["steps"]):
            step_name = step.get("id") or step.get("name") or f"step-{index}"
            if "run" in step:
                assert step.get("shell") == "bash", "a composite action's run step must name its shell"
                installed = self.pythons.installed.get(extras_key(inputs.get("extras", "")))
                if installed is not None and step.get("id") == "install":
                    result = StepResult(step_name, "success", outputs=dict(installed))
                else:
                    step_env = {**env, **{k: substitute(v, inner) for k, v in step.get("env", {}).items()}}
                    result = self._bash(step_name, step["run"], step_env, path, workspace, temp, run, env,
                                        timeout)
                    if step.get("id") == "install" and result.outcome == "success":
                        # That venv has aep-exports[extras] from now on: later jobs replay the step.
                        self.pythons.installed[extras_key(inputs.get("extras", ""))] = dict(result.outputs)
            else:
                result = self._step(step, step_name, inner, env, path, workspace, temp, run, timeout)
            results.append(result)
            if "id" in step:
                inner["steps"][step["id"]] = {"outcome": result.outcome, "outputs": result.outputs}
            if result.outcome == "failure":
                break
        outputs = {key: substitute(spec["value"], inner) for key, spec in action.get("outputs", {}).items()}
        failed = any(r.outcome == "failure" for r in results)
        return StepResult(name, "failure" if failed else "success", outputs=outputs,
                          stdout="".join(r.stdout for r in results),
                          stderr="".join(r.stderr for r in results),
                          summary="".join(r.summary for r in results))

    def _upload(self, name: str, with_: dict[str, str], workspace: Path, run: WorkflowRun) -> StepResult:
        artifact = with_["name"]
        if artifact in run.artifacts and with_.get("overwrite", "false").lower() != "true":
            return StepResult(name, "failure",
                              stderr=f"Failed to CreateArtifact: an artifact with this name already exists "
                                     f"on the workflow run: {artifact}\n")
        target = self.github.root / "artifacts" / str(run.run_id) / artifact
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        found = 0
        for pattern in filter(None, (line.strip() for line in with_["path"].splitlines())):
            for source in workspace.glob(pattern):
                shutil.copy(source, target / source.name)
                found += 1
        if not found and with_.get("if-no-files-found", "warn") == "error":
            return StepResult(name, "failure", stderr="No files were found with the provided path\n")
        run.artifacts[artifact] = target
        return StepResult(name, "success")

    def _bash(self, name: str, script: str, step_env: dict[str, str], path: list[str], workspace: Path,
              temp: Path, run: WorkflowRun, job_env: dict[str, str], timeout: float) -> StepResult:
        scratch = temp / f"{name}-{uuid.uuid4().hex[:6]}"
        scratch.mkdir()
        files = {var: scratch / var.lower() for var in
                 ("GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH")}
        for file in files.values():
            file.write_text("")
        (scratch / "step.sh").write_text(script)
        shim_dir = self.github.root / "bin"
        if not (shim_dir / "gh").exists():
            shim_dir.mkdir(exist_ok=True)
            (shim_dir / "gh").write_text(f"#!{sys.executable}\n" + GH_SHIM)
            (shim_dir / "gh").chmod(0o755)
        base = {k: v for k, v in os.environ.items()
                if not k.startswith(("AEP_", "GITHUB_", "RUNNER_", "VIRTUAL_ENV"))}
        # The runner's PATH: what steps added, the gh CLI, the system; never this test's venv.
        system_path = os.pathsep.join(p for p in base.get("PATH", "").split(os.pathsep)
                                      if Path(p).resolve() != Path(sys.executable).parent.resolve())
        env = {**base, **self.machine_env, "CI": "true", "GITHUB_ACTIONS": "true",
               "GITHUB_EVENT_NAME": run.event, "GITHUB_SHA": run.sha, "GITHUB_REPOSITORY": REPOSITORY,
               "GITHUB_RUN_ID": str(run.run_id), "GITHUB_WORKSPACE": str(workspace),
               "GITHUB_WORKFLOW_REF": f"{REPOSITORY}/{WORKFLOW_FILE}@refs/heads/main",
               "RUNNER_TEMP": str(temp), "FAKE_GH_DATA": str(self.github.export_for_gh()),
               **{k: str(v) for k, v in files.items()}, **step_env,
               "PATH": os.pathsep.join([*path, str(shim_dir), system_path])}
        try:
            completed = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(scratch / "step.sh")],
                cwd=workspace, env=env, capture_output=True, text=True, timeout=timeout,
            )
            returncode, stdout, stderr = completed.returncode, completed.stdout, completed.stderr
        except subprocess.TimeoutExpired as exc:
            returncode, stdout, stderr = 124, str(exc.stdout or ""), f"step timed out after {timeout}s\n"
        job_env.update(_read_key_values(files["GITHUB_ENV"]))
        path[:0] = [line for line in files["GITHUB_PATH"].read_text().splitlines() if line.strip()][::-1]
        return StepResult(name, "success" if returncode == 0 else "failure",
                          outputs=_read_key_values(files["GITHUB_OUTPUT"]), stdout=stdout, stderr=stderr,
                          summary=files["GITHUB_STEP_SUMMARY"].read_text())


# -- setup-python's interpreter and the PostgreSQL state ------------------------------------------

def extras_key(extras: str) -> str:
    """The action's ``extras`` input in one spelling (``local, postgres`` and ``postgres,local`` alike)."""
    return ",".join(sorted({part.strip().lower() for part in extras.split(",") if part.strip()}))


def required_distributions(extras: str) -> set[str]:
    """The names of the distributions ``pip install aep-exports[EXTRAS]`` installs besides aep-exports
    (its dependencies and theirs, markers evaluated here), and pip: what setup-python plus the action's
    install step leave in the runner's Python."""
    from importlib import metadata

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    found: set[str] = set()
    pending = [Requirement(f"aep-exports[{extras_key(extras)}]" if extras_key(extras) else "aep-exports")]
    while pending:
        requirement = pending.pop()
        name = canonicalize_name(requirement.name)
        wanted = sorted(requirement.extras)
        for raw in metadata.distribution(requirement.name).requires or []:
            needed = Requirement(raw)
            if needed.marker is None or any(needed.marker.evaluate({"extra": extra}) for extra in
                                            [*wanted, ""]):
                key = f"{canonicalize_name(needed.name)}[{','.join(sorted(needed.extras))}]"
                if key not in found:
                    found.add(key)
                    pending.append(needed)
        found.add(name)
    names = {key.split("[")[0] for key in found} - {"aep-exports"}
    return names | {"pip"}


def _link_distributions(names: set[str], target: Path) -> None:
    """``target``: links to the top-level files and packages of the distributions ``names``."""
    from importlib import metadata

    target.mkdir(parents=True)
    for name in sorted(names):
        dist = metadata.distribution(name)
        tops = {Path(str(f)).parts[0] for f in dist.files or [] if not str(f).startswith("..")}
        for top in sorted(tops - {"__pycache__"}):
            source = Path(str(dist.locate_file(top)))
            if source.exists() and not (target / top).exists():
                (target / top).symlink_to(source, target_is_directory=source.is_dir())


def prepared_python(directory: Path, extras: str | None = None) -> Path:
    """A fresh venv's ``bin`` (what setup-python puts on PATH); its packages come from this environment
    (a ``.pth`` file), so the action's ``pip install`` of the working tree needs no download.

    ``extras`` None: it sees every package of this environment. Otherwise only pip and the
    distributions ``aep-exports[EXTRAS]`` requires (linked), as on a runner after the action's install.
    """
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(directory)], check=True)
    venv_python = directory / "bin" / "python"
    purelib = subprocess.run(
        [str(venv_python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    # Packages after the venv's own: the action installs aep-exports into the venv, and that copy
    # (not this checkout's editable one) is what the steps run.
    visible = Path(sysconfig.get_paths()["purelib"])
    if extras is not None:
        visible = directory / "linked-site-packages"
        _link_distributions(required_distributions(extras), visible)
    Path(purelib, "_test_environment.pth").write_text(f"{visible}\n")
    return directory / "bin"


@dataclass
class Pythons:
    """setup-python's interpreters for a session: one prepared venv per set of action extras, and the
    outputs of the action's install step per extras set once it ran for real (later jobs replay it)."""

    root: Path
    venvs: dict[str, Path] = field(default_factory=dict)
    installed: dict[str, dict[str, str]] = field(default_factory=dict)

    def bin(self, extras: str) -> Path:
        """The ``bin`` of the venv whose packages are those ``aep-exports[EXTRAS]`` needs."""
        key = extras_key(extras)
        if key not in self.venvs:
            self.venvs[key] = prepared_python(self.root / (key.replace(",", "-") or "core"), key)
        return self.venvs[key]


def postgres_state_url(server: str = POSTGRES_SERVER) -> Iterator[str]:
    """A state URL whose tables live in a fresh schema, dropped afterwards (a generator for fixtures)."""
    import psycopg

    schema = f"aep_wf_{uuid.uuid4().hex[:12]}"
    yield f"{server}?schema={schema}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@contextmanager
def state_lock_held(url: str, org: str, sandbox: str) -> Iterator[None]:
    """The PostgreSQL state lock held by this process (as a long apply holds it) for the block."""
    from aep_exports.state.postgres import PostgresStateBackend

    with PostgresStateBackend(url, org, sandbox).lock(timeout=5, command="apply"):
        yield


__all__ = ["FakeGitHub", "JobResult", "Pythons", "Runner", "WorkflowRun", "condition_holds", "evaluate",
           "extras_key", "load_yaml", "postgres_state_url", "prepared_python", "required_distributions",
           "state_lock_held", "substitute"]
