"""The whole platform behind one object: persistence, clock, faults, services, worker, admin operations."""

from __future__ import annotations

import json
import logging
import shutil
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from aep_exports.platform.backend.auth import DEFAULT_TOKEN_LIFETIME_S, DEV_CLIENT, ApiClient, AuthBackend
from aep_exports.platform.backend.catalog import CatalogBackend
from aep_exports.platform.backend.data_access import DataAccessBackend
from aep_exports.platform.backend.exporter import (
    DEFAULT_ROWS_PER_FILE,
    RunResult,
    resolve_policy_ref,
    run_job,
    slug,
)
from aep_exports.platform.backend.jobs import JobsBackend
from aep_exports.platform.backend.profiles import ProfilesBackend
from aep_exports.platform.backend.scope import Caller
from aep_exports.platform.backend.stats import RequestStats
from aep_exports.platform.clock import Clock
from aep_exports.platform.contract import Contract
from aep_exports.platform.credentials import DEV_CLIENT_ID, DEV_ORG_ID
from aep_exports.platform.faults import FaultConfig, FaultInjector
from aep_exports.platform.persistence import Database

log = logging.getLogger(__name__)
DEFAULT_JOB_DURATION_S = 3.0
WORKER_TICK_S = 0.05


@dataclass
class PlatformOptions:
    """Everything ``create_app(**options)`` and ``platform serve`` flags can set."""

    in_process: bool = False
    job_duration_s: float = DEFAULT_JOB_DURATION_S  # platform-clock time from creation to the end of a job
    token_lifetime_s: float = DEFAULT_TOKEN_LIFETIME_S
    rows_per_file: int = DEFAULT_ROWS_PER_FILE
    clients: list[ApiClient] = field(default_factory=list)  # in addition to the dev client
    faults: FaultConfig = field(default_factory=FaultConfig)
    contract: Contract = field(default_factory=Contract)  # the variant of each open point of the contract
    worker: bool = True  # server mode: run jobs in a background thread

    @classmethod
    def build(cls, in_process: bool, options: dict[str, Any]) -> PlatformOptions:
        known = set(cls.__dataclass_fields__) - {"in_process"}
        unknown = set(options) - known
        if unknown:
            raise TypeError(
                f"unknown platform option(s): {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}"
            )
        values = dict(options)
        if isinstance(values.get("faults"), dict):
            values["faults"] = FaultConfig.from_mapping(values["faults"])
        if isinstance(values.get("contract"), dict):
            values["contract"] = Contract.from_mapping(values["contract"])
        values["clients"] = [
            c if isinstance(c, ApiClient) else ApiClient.parse(str(c)) for c in values.get("clients", [])
        ]
        return cls(in_process=in_process, **values)


class LocalPlatform:
    """One platform over one data directory."""

    def __init__(self, data_dir: Path, options: PlatformOptions) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.options = options
        self.db = Database(self.data_dir)
        saved = json.loads(self.db.get_meta("clock") or "{}")
        self.clock = Clock(int(saved.get("offsetMs", 0)), saved.get("frozenAtMs"), on_change=self._save_clock)
        self.faults = FaultInjector(options.faults)
        self.stats = RequestStats()
        self.auth = AuthBackend(self.db, [DEV_CLIENT, *options.clients], options.token_lifetime_s)
        self.catalog = CatalogBackend(self.db, self.clock)
        self.jobs = JobsBackend(
            self.db,
            self.clock,
            self.catalog,
            self.faults,
            self.data_dir,
            self._run,
            duration_ms=int(options.job_duration_s * 1000),
            contract=options.contract,
            resolve_policy=self._resolve_policy,
        )
        self._render_for(options.contract)
        self.data_access = DataAccessBackend(self.db, self.data_dir)
        self.profiles = ProfilesBackend(self.data_dir)
        self.rows_per_file = options.rows_per_file
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._worker: threading.Thread | None = None

    @property
    def in_process(self) -> bool:
        return self.options.in_process

    def _save_clock(self, offset_ms: int, frozen_at_ms: int | None) -> None:
        self.db.set_meta("clock", json.dumps({"offsetMs": offset_ms, "frozenAtMs": frozen_at_ms}))

    def _run(
        self, caller: Caller, job_id: int, request: dict[str, Any], out_dir: Path, now: datetime
    ) -> RunResult:
        return run_job(
            self.data_dir,
            caller.org_id,
            caller.sandbox,
            request,
            out_dir,
            now=now,
            rows_per_file=self.rows_per_file,
        )

    def _resolve_policy(self, caller: Caller, request: dict[str, Any]) -> dict[str, Any] | None:
        return resolve_policy_ref(self.data_dir, caller.org_id, caller.sandbox, request)

    # ---------------------------------------------------------------- contract

    @property
    def contract(self) -> Contract:
        """The variants this platform answers with now."""
        return self.jobs.contract

    def set_contract(self, contract: Contract) -> Contract:
        """Answer with ``contract`` from now on (stored jobs are rendered again for it)."""
        self.jobs.contract = contract
        self._render_for(contract)
        return contract

    def _render_for(self, contract: Contract) -> None:
        """Stored jobs keep their rendered answer: render them again when they were rendered otherwise."""
        wanted = json.dumps(contract.as_dict(), sort_keys=True)
        if self.db.get_meta("wire_contract") != wanted:
            self.jobs.rerender()
            self.db.set_meta("wire_contract", wanted)

    # ---------------------------------------------------------------- lifecycle driving

    def before_read(self) -> None:
        """In-process there is no worker: move due jobs along before answering."""
        if self.in_process:
            self.jobs.advance()

    def after_clock_change(self) -> None:
        """A clock move makes jobs due at once: advance them now, so the next read sees the result."""
        self.jobs.advance()

    def start_worker(self) -> None:
        """Server mode: advance jobs in a background thread."""
        if self.in_process or not self.options.worker or self._worker is not None:
            return
        self._stop.clear()
        self._worker = threading.Thread(target=self._work, name="aep-local-platform-jobs", daemon=True)
        self._worker.start()

    def stop_worker(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._worker is not None:
            self._worker.join(timeout=30)
            self._worker = None

    def wake_worker(self) -> None:
        self._wake.set()

    def _work(self) -> None:
        while not self._stop.is_set():
            try:
                self.jobs.advance()
            except Exception:  # keep the worker alive whatever one job does
                log.exception("job worker pass failed")
            self._wake.wait(WORKER_TICK_S)
            self._wake.clear()

    # ---------------------------------------------------------------- admin

    def reset(self, *, profiles: bool = False) -> None:
        """Forget datasets, batches, files, jobs; clock, faults, contract, settings, stats to start values.

        Tokens stay valid.
        """
        self.db.wipe()
        self.clock.reset()
        self.jobs.duration_ms = int(self.options.job_duration_s * 1000)
        self.auth.token_lifetime_s = self.options.token_lifetime_s
        self.rows_per_file = self.options.rows_per_file
        self.faults.configure(FaultConfig())
        self.set_contract(self.options.contract)
        self.stats.clear()
        shutil.rmtree(self.data_dir / "exports", ignore_errors=True)
        if profiles:
            shutil.rmtree(self.data_dir / "profiles", ignore_errors=True)

    def dev_headers(
        self, sandbox: str = "prod", *, client_id: str = DEV_CLIENT_ID, org_id: str = DEV_ORG_ID
    ) -> dict[str, str]:
        """Every header an API call needs, with a fresh token for ``client_id`` (issued without HTTP)."""
        client = self.auth.clients[client_id]
        token = self.auth.issue_token({"client_id": client.client_id, "client_secret": client.client_secret})
        return {
            "Authorization": f"Bearer {token['access_token']}",
            "x-api-key": client.client_id,
            "x-gw-ims-org-id": org_id,
            "x-sandbox-name": sandbox,
        }

    def settings(self) -> dict[str, Any]:
        """Runtime settings ``/local/settings`` shows and changes."""
        return {
            "job_duration_s": self.jobs.duration_ms / 1000,
            "token_lifetime_s": self.auth.token_lifetime_s,
            "rows_per_file": self.rows_per_file,
            "in_process": self.in_process,
        }

    def configure(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Change ``job_duration_s`` (new jobs), ``token_lifetime_s`` (new tokens) or ``rows_per_file``."""
        unknown = set(changes) - {"job_duration_s", "token_lifetime_s", "rows_per_file"}
        if unknown:
            raise ValueError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        values = {key: float(value) for key, value in changes.items()}
        if any(value < 0 for value in values.values()):
            raise ValueError("settings must not be negative")
        if "job_duration_s" in values:
            self.jobs.duration_ms = int(values["job_duration_s"] * 1000)
        if "token_lifetime_s" in values:
            self.auth.token_lifetime_s = values["token_lifetime_s"]
        if "rows_per_file" in values:
            self.rows_per_file = max(1, int(values["rows_per_file"]))
        return self.settings()

    def seed(self, org: str, sandbox: str, profiles: int, seed: int) -> dict[str, Any]:
        """Generate a deterministic synthetic profile store for one org and sandbox (replaces its content)."""
        from dataclasses import asdict

        from aep_exports.platform.seeddata import generate
        from aep_exports.platform.store import ProfileStore

        with ProfileStore.open(self.data_dir, org, sandbox) as store:
            store.clear()
            report = generate(store, profiles=profiles, seed=seed, base_time=self.clock.now())
        result = asdict(report)
        result["base_time"] = report.base_time.isoformat()
        result["store"] = str(self.data_dir / "profiles" / slug(org) / slug(sandbox))
        return result

    def close(self) -> None:
        self.stop_worker()
        self.db.close()
