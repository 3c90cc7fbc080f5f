"""A project directory on a local platform, and what tests do with it: write, seed, client, CLI, state.

``make_project(exports, platform=..., profiles=...)`` writes ``aep-exports.yaml`` (sandbox ``dev``) and
``exports/main.yaml`` under the test's temporary directory and seeds the platform's profile store:

- ``platform="local"`` (default): the embedded local platform the CLI opens in-process;
- ``platform=<server URL>`` (``platform_server``): the dev credentials are put in the environment, so
  in-process settings, ``Project.cli`` and ``Project.run`` (a subprocess) all reach that server.

``project`` is ``make_project()``: the plan tests' declarations on the embedded platform, 20 profiles.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from aep_exports.cli.main import cli
from aep_exports.cli.wiring import local_data_dir, open_client, open_state
from aep_exports.client import PlatformClient
from aep_exports.client.local_admin import LocalAdmin
from aep_exports.config.settings import Settings, load_settings
from aep_exports.platform.credentials import DEV_CLIENT_ID, DEV_CLIENT_SECRET, DEV_ORG_ID
from aep_exports.state.backend import StateBackend
from aep_exports.state.model import StateDocument
from support.declarations import PLAN_EXPORTS, SANDBOX

LOCAL_SEED = 7  # the seed of the embedded platform's profile stores


def server_credentials(url: str) -> dict[str, str]:
    """The environment that points aep-exports at the platform server ``url`` with the dev credentials."""
    return {
        "AEP_CLIENT_ID": DEV_CLIENT_ID,
        "AEP_CLIENT_SECRET": DEV_CLIENT_SECRET,
        "AEP_ORG_ID": DEV_ORG_ID,
        "AEP_IMS_URL": url,
    }


@dataclass
class Project:
    """A project directory (``aep-exports.yaml`` + ``exports/main.yaml``) on one platform."""

    root: Path
    platform: str = "local"
    sandbox: str = SANDBOX

    @property
    def is_local(self) -> bool:
        return self.platform == "local"

    def write(self, exports: str = PLAN_EXPORTS) -> Project:
        """The settings file and ``exports/main.yaml`` holding ``exports``."""
        (self.root / "exports").mkdir(parents=True, exist_ok=True)
        (self.root / "aep-exports.yaml").write_text(f"platform: {self.platform}\nsandbox: {self.sandbox}\n")
        (self.root / "exports" / "main.yaml").write_text(exports)
        return self

    @property
    def settings(self) -> Settings:
        return load_settings(self.root, {})

    @property
    def data_dir(self) -> Path:
        """Where the embedded local platform keeps its data."""
        return local_data_dir(self.settings)

    def seed(self, profiles: int = 20, *, seed: int | None = None) -> Project:
        """A synthetic profile store for the project's sandbox (the embedded platform's, or the server's)."""
        if self.is_local:
            app = self._embedded_app()
            try:
                app.platform.seed(DEV_ORG_ID, self.sandbox, profiles, LOCAL_SEED if seed is None else seed)
            finally:
                app.platform.close()
        else:
            with self.client() as client:
                client.local_admin.seed(profiles=profiles, **({} if seed is None else {"seed": seed}))
        return self

    def _embedded_app(self, **options: Any) -> Any:
        from aep_exports.platform.app import create_app

        self.data_dir.mkdir(parents=True, exist_ok=True)
        return create_app(self.data_dir, in_process=True, **options)

    @contextmanager
    def client(self, **app_options: Any) -> Iterator[PlatformClient]:
        """A client on the project's platform; the embedded one ends jobs at once unless told otherwise."""
        if not self.is_local:
            with open_client(self.settings) as client:
                yield client
            return
        app_options.setdefault("job_duration_s", 0)
        app = self._embedded_app(**app_options)
        try:
            with open_client(self.settings, app=app) as client:
                yield client
        finally:
            app.platform.close()

    @contextmanager
    def admin(self) -> Iterator[LocalAdmin]:
        """The administration routes of the project's platform (clock, faults, settings, seed)."""
        with self.client() as client:
            yield client.local_admin

    def cli(self, *args: str, env: dict[str, str] | None = None, input: str | None = None) -> Result:
        """``aep-exports --project ROOT ARGS`` in this process."""
        return CliRunner().invoke(cli, ["--project", str(self.root), *args], env=env, input=input)

    def command(self, *args: str) -> list[str]:
        """The argv of ``aep-exports --project ROOT ARGS`` as a separate process."""
        return [sys.executable, "-m", "aep_exports", "--project", str(self.root), *args]

    def env(self) -> dict[str, str]:
        """The environment of such a process: this one's without AEP_*, plus the server's credentials."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AEP_", "GITHUB_STEP"))}
        if not self.is_local:
            env.update(server_credentials(self.platform))
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Run ``aep-exports`` as a separate process and wait for it."""
        return subprocess.run(
            self.command(*args), env=self.env(), capture_output=True, text=True, timeout=timeout, check=False
        )

    def backend(self) -> StateBackend:
        return open_state(self.settings)

    def state(self) -> StateDocument:
        """The state document as stored now."""
        return self.backend().read()


ProjectFactory = Callable[..., Project]


@pytest.fixture
def make_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ProjectFactory:
    """Factory: ``make_project(exports=PLAN_EXPORTS, *, platform="local", profiles=20, sandbox="dev")``.

    ``profiles=None`` seeds nothing; ``name`` is the project's directory under ``tmp_path``.
    """

    def make(
        exports: str = PLAN_EXPORTS,
        *,
        platform: str = "local",
        profiles: int | None = 20,
        sandbox: str = SANDBOX,
        name: str = "project",
    ) -> Project:
        if platform != "local":
            for variable, value in server_credentials(platform).items():
                monkeypatch.setenv(variable, value)
        project = Project(tmp_path / name, platform=platform, sandbox=sandbox).write(exports)
        return project.seed(profiles) if profiles is not None else project

    return make


@pytest.fixture
def project(make_project: ProjectFactory) -> Project:
    """The plan tests' declarations (a dataset, a daily export) on the embedded platform, 20 profiles."""
    return make_project()
