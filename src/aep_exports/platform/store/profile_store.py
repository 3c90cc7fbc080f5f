"""``ProfileStore``: one organisation's sandbox worth of profile data in a DuckDB file."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from aep_exports.platform.store import schema
from aep_exports.platform.store.errors import StoreBusyError, StoreError
from aep_exports.platform.store.structure import Structure, read_structure

STORE_FILE = "store.duckdb"


@dataclass(frozen=True)
class LoadReport:
    """What one ``load_jsonl`` call added or replaced, per record type."""

    source: str
    lines: int
    counts: dict[str, int] = field(default_factory=dict)
    elapsed_ms: int = 0


def slug(value: str) -> str:
    """A file-system-safe directory name for an organisation or sandbox name."""
    cleaned = re.sub(r"[^a-z0-9._-]+", "-", value.strip().lower()).strip("-.")
    return cleaned or "_"


class ProfileStore:
    """Profile fragments, events, memberships, segment definitions and merge policies of one sandbox."""

    def __init__(self, connection: Any, path: Path, org: str, sandbox: str) -> None:
        self._con: Any = connection
        self.path = path
        self.org = org
        self.sandbox = sandbox

    @classmethod
    def open(
        cls,
        data_dir: Path,
        org: str,
        sandbox: str,
        *,
        memory_limit: str = schema.DEFAULT_MEMORY_LIMIT,
        threads: int = schema.DEFAULT_THREADS,
    ) -> ProfileStore:
        """Open (creating if needed) the store of ``org``/``sandbox`` under ``data_dir/profiles/``."""
        import duckdb

        directory = Path(data_dir) / "profiles" / slug(org) / slug(sandbox)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / STORE_FILE
        try:
            con = schema.connect(path, memory_limit=memory_limit, threads=threads)
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise StoreBusyError(
                    f"the profile store {path} is in use by another process "
                    "(stop `aep-exports platform serve` or wait for it)"
                ) from exc
            raise StoreError(f"cannot open the profile store {path}: {exc}") from exc
        except duckdb.Error as exc:
            raise StoreError(f"cannot open the profile store {path}: {exc}") from exc
        return cls(con, path, org, sandbox)

    @classmethod
    def in_memory(cls, org: str = "memory", sandbox: str = "prod") -> ProfileStore:
        """A throw-away store that lives in memory only (tests, benchmarks)."""
        return cls(
            schema.connect(None, memory_limit=schema.DEFAULT_MEMORY_LIMIT, threads=schema.DEFAULT_THREADS),
            Path(":memory:"),
            org,
            sandbox,
        )

    @property
    def connection(self) -> Any:
        """The DuckDB connection (for the export engine and the loaders of this package)."""
        if self._con is None:
            raise StoreError(f"the profile store {self.path} is closed")
        return self._con

    def close(self) -> None:
        """Release the DuckDB file; the store is unusable afterwards."""
        if self._con is not None:
            self._con.close()
            self._con = None

    def __enter__(self) -> ProfileStore:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # --- reading -----------------------------------------------------------------------------

    def is_empty(self) -> bool:
        """True when the store holds no profile (with or without attributes)."""
        return bool(self.connection.execute("SELECT count(*) = 0 FROM profiles").fetchall()[0][0])

    def counts(self) -> dict[str, int]:
        """Row counts of every data table (profiles, fragments, events, ...)."""
        con = self.connection
        return {
            table: int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])
            for table in schema.DATA_TABLES
        }

    def list_merge_policies(self) -> list[dict[str, Any]]:
        """The latest version of every merge policy, ordered by id."""
        rows = self.connection.execute(
            "SELECT arg_max(doc, version) FROM merge_policies GROUP BY id ORDER BY id"
        ).fetchall()
        return [json.loads(row[0]) for row in rows]

    def get_merge_policy(self, policy_id: str, version: int | None = None) -> dict[str, Any] | None:
        """One merge policy: the given version, or the latest when ``version`` is None."""
        if version is None:
            row = self.connection.execute(
                "SELECT doc FROM merge_policies WHERE id = ? ORDER BY version DESC LIMIT 1", [policy_id]
            ).fetchall()
        else:
            row = self.connection.execute(
                "SELECT doc FROM merge_policies WHERE id = ? AND version = ?", [policy_id, version]
            ).fetchall()
        return dict(json.loads(row[0][0])) if row else None

    def default_merge_policy(self) -> dict[str, Any] | None:
        """The (latest version of the) policy marked ``default``, the first by id if several."""
        for policy in self.list_merge_policies():
            if policy.get("default") is True:
                return policy
        return None

    def list_segment_definitions(self) -> list[dict[str, Any]]:
        """Every segment definition, ordered by id."""
        rows = self.connection.execute("SELECT doc FROM segment_definitions ORDER BY id").fetchall()
        return [json.loads(row[0]) for row in rows]

    def get_segment_definition(self, segment_id: str) -> dict[str, Any] | None:
        """One segment definition by id, or None."""
        row = self.connection.execute(
            "SELECT doc FROM segment_definitions WHERE id = ?", [segment_id]
        ).fetchall()
        return dict(json.loads(row[0][0])) if row else None

    def fragment_structure(self) -> Structure:
        """The inferred XDM structure of all profile fragments (see ``structure.py``)."""
        return read_structure(self.connection, "fragment_structure")

    def event_structure(self) -> Structure:
        """The inferred XDM structure of all ExperienceEvents."""
        return read_structure(self.connection, "event_structure")

    # --- writing -----------------------------------------------------------------------------

    def clear(self) -> None:
        """Delete every record of this sandbox's store."""
        con = self.connection
        with schema.transaction(con):
            for table in (*schema.DATA_TABLES, "meta"):
                con.execute(f"DELETE FROM {table}")
            con.execute("INSERT INTO meta VALUES ('format_version', ?)", [schema.FORMAT_VERSION])

    def load_jsonl(self, path: Path) -> LoadReport:
        """Load a JSON-lines file atomically; bad lines raise ``LoadError`` and load nothing."""
        from aep_exports.platform.store.loader import load_file

        return load_file(self, Path(path))

    def load_records(self, records: list[dict[str, Any]], *, source: str = "<records>") -> LoadReport:
        """Load already-parsed records (same format as one JSON line each) atomically."""
        from aep_exports.platform.store.loader import load_parsed

        return load_parsed(
            self, [(number, record) for number, record in enumerate(records, start=1)], source=source
        )

