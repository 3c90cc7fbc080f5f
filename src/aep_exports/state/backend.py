"""Where state is kept: the ``StateBackend`` seam and how settings choose one.

Usage pattern for a writer (apply, refresh, import, ``state rm``)::

    backend = open_backend(settings, org=org)
    with backend.lock(timeout=settings_lock_timeout, command="apply"):
        doc = backend.read()
        ...mutate doc...
        backend.write(doc, expected_serial=doc.serial)   # bumps doc.serial in place
        ...mutate again...
        backend.write(doc, expected_serial=doc.serial)

Readers (plan, status, ``state list``) call ``read()`` without the lock: writes are atomic.
A write made without holding the lock takes it for the length of the write.

In CI (``CI=true``) a file state is for reading only, unless the settings allow it
(``allow_file_state_in_ci``): a state file on a CI runner is a copy restored from a cache or an
artifact, so the writer that a later job's plan was reviewed against is not the one it meets.
:func:`open_backend` then hands out a backend whose ``lock``/``write``/``replace`` refuse, with why.
The embedded local platform is exempt: its data lives beside the state, so the two are restored
or lost together and cannot disagree.

Stable names: ``StateBackend``, ``FileStateBackend``, ``backend_for``, ``open_backend``,
``DEFAULT_STATE_DIR``.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from aep_exports.errors import StateError
from aep_exports.state.file_backend import FileStateBackend
from aep_exports.state.model import StateDocument

if TYPE_CHECKING:
    from aep_exports.config.settings import Settings

__all__ = [
    "DEFAULT_STATE_DIR",
    "CiReadOnlyFileBackend",
    "FileStateBackend",
    "StateBackend",
    "backend_for",
    "file_state_refused_in_ci",
    "open_backend",
]

DEFAULT_STATE_DIR = ".aep-exports/state"
"""Where state lives, relative to the project directory, when the settings do not say."""


@runtime_checkable
class StateBackend(Protocol):
    """Storage for the state documents of one org and sandbox."""

    def read(self) -> StateDocument:
        """The stored document, or an empty one (serial 0) when there is none."""
        ...

    def write(self, doc: StateDocument, *, expected_serial: int) -> StateDocument:
        """Compare-and-swap: store ``doc`` only if the stored serial equals ``expected_serial``.

        Bumps the serial (in ``doc`` too) and returns ``doc``; raises StateError on a mismatch
        or when the stored document has another lineage.
        """
        ...

    def replace(
        self, doc: StateDocument, *, expected_serial: int, new_serial: int | None = None
    ) -> str | None:
        """Like :meth:`write`, but also over a document of another lineage (``state push/pull --force``).

        The serial becomes at least ``new_serial``. Returns where the replaced document was kept,
        when it was (the file backend renames it aside), else None.
        """
        ...

    def lock(self, *, timeout: float, command: str) -> AbstractContextManager[None]:
        """The exclusive writer lock; LockError naming the holder after ``timeout`` seconds."""
        ...

    def describe(self) -> str:
        """Where the state lives, for messages (never with credentials)."""
        ...


def backend_for(location: str | Path | None, project_dir: Path, org: str, sandbox: str) -> StateBackend:
    """The backend for a ``state`` setting: a directory (relative to ``project_dir``) or a database.

    A database is a ``postgresql://`` URL or a libpq ``key=value`` string (``host=db dbname=x``).
    """
    from aep_exports.config.settings import is_database_location

    text = str(location) if location else DEFAULT_STATE_DIR
    if is_database_location(text):
        from aep_exports.state.postgres import PostgresStateBackend  # psycopg only when asked for

        return PostgresStateBackend(text, org, sandbox)
    text = text.removeprefix("file://")
    if "://" in text:
        scheme = text.split("://", 1)[0]
        raise StateError(f"unsupported state location scheme {scheme!r}: use a directory path, "
                         "a postgresql:// URL or a 'host=… dbname=…' connection string")
    directory = Path(text).expanduser()
    if not directory.is_absolute():
        directory = Path(project_dir) / directory
    if directory.exists() and not directory.is_dir():
        raise StateError(f"state location {directory} is not a directory")
    return FileStateBackend(directory, org, sandbox)


def open_backend(settings: Settings, *, org: str | None = None) -> StateBackend:
    """The state backend the settings choose for their sandbox and ``org`` (default ``settings.org``).

    The org of the local platform (its dev org) is resolved by the caller, so that state
    does not import the platform package. In CI, a file state is read-only (see the module doc).
    """
    resolved_org = org or settings.org
    if not resolved_org:
        raise StateError("no org id is configured, so the state cannot be located",
                         hint="set 'org' in aep-exports.yaml or AEP_ORG_ID")
    backend = backend_for(settings.state, settings.project_dir, resolved_org, settings.sandbox)
    if isinstance(backend, FileStateBackend) and file_state_refused_in_ci(settings):
        return CiReadOnlyFileBackend(backend.directory, resolved_org, settings.sandbox)
    return backend


def file_state_refused_in_ci(settings: Settings) -> bool:
    """True when writing commands must not use this file state: in CI, not allowed, not local."""
    return settings.in_ci and not settings.allow_file_state_in_ci and not settings.is_local


class CiReadOnlyFileBackend(FileStateBackend):
    """A file state opened in CI: readers read it; ``lock``, ``write`` and ``replace`` refuse."""

    def _refuse(self) -> StateError:
        return StateError(
            f"refusing to write the {self.describe()} in CI (CI=true): a state file on a CI "
            "runner is a copy (restored from a cache or an artifact) that goes stale between a pull "
            "request's plan and the apply on merge, and other jobs never see what this one writes",
            hint="Keep the state in PostgreSQL: set AEP_STATE_URL (a secret) to a postgresql:// URL "
            "(docs/state.md). Only if this runner's disk holds the one copy of the state, set "
            "allow_file_state_in_ci: true in aep-exports.yaml or AEP_ALLOW_FILE_STATE_IN_CI=1.",
        )

    def lock(self, *, timeout: float, command: str) -> AbstractContextManager[None]:
        """Refused: a writer in CI needs a shared state."""
        raise self._refuse()

    def write(self, doc: StateDocument, *, expected_serial: int) -> StateDocument:
        """Refused: a writer in CI needs a shared state."""
        raise self._refuse()

    def replace(
        self, doc: StateDocument, *, expected_serial: int, new_serial: int | None = None
    ) -> str | None:
        """Refused: a writer in CI needs a shared state."""
        raise self._refuse()
