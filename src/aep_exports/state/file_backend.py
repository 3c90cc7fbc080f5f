"""State kept as one JSON file per org and sandbox, written atomically, with a backup.

Layout under the state directory::

    <dir>/<org>/<sandbox>.json         the state document
    <dir>/<org>/<sandbox>.json.backup  the previous version (after the second write)
    <dir>/<org>/<sandbox>.json.lock    the writer lock (flock) and its holder's info

A write goes to a temporary file in the same directory, is fsync'ed, then renamed over the
document (rename is atomic on POSIX), and the directory is fsync'ed: a reader sees the old
document or the new one, never half of one, and a crash at any instant loses at most the
write in progress. The previous document is kept as ``.backup`` (a hard link, so no copy).
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import re
import shutil
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pydantic import ValidationError

from aep_exports import __version__
from aep_exports.errors import StateError
from aep_exports.state.base import validation_summary
from aep_exports.state.locking import exclusive_lock, held_by_this_process
from aep_exports.state.migrations import migrate
from aep_exports.state.model import STATE_VERSION, StateDocument

DEFAULT_WRITE_LOCK_TIMEOUT = 30.0
"""How long a write made without holding the lock waits for it (seconds)."""

_write_guards: dict[str, threading.Lock] = {}
_write_guards_lock = threading.Lock()


def safe_file_name(name: str) -> str:
    """``name`` usable as one path component on any filesystem, reversibly (percent-encoding)."""
    if not name:
        raise StateError("org and sandbox names used in state paths must not be empty")
    encoded = quote(name, safe="@-_.")
    if encoded.startswith("."):
        encoded = "%2E" + encoded[1:]
    return encoded


_VERSION_AT_START = re.compile(rb'^\s*\{\s*"version"\s*:\s*(\d+)\s*[,}]')


def _peek_version(raw: bytes) -> int | None:
    """The version of a document this tool wrote (``version`` comes first), without parsing it all."""
    match = _VERSION_AT_START.match(raw[:256])
    return int(match.group(1)) if match else None


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    # Building a large document creates millions of objects; the cyclic collector would walk
    # them over and over (it doubles the parse time of a 500,000-run state).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems refuse fsync on directories; the rename is still atomic
    finally:
        os.close(fd)


class FileStateBackend:
    """A :class:`~aep_exports.state.backend.StateBackend` on the local filesystem."""

    def __init__(self, directory: Path, org: str, sandbox: str, *,
                 write_lock_timeout: float = DEFAULT_WRITE_LOCK_TIMEOUT) -> None:
        self.directory = Path(directory)
        self.org = org
        self.sandbox = sandbox
        self.write_lock_timeout = write_lock_timeout
        folder = self.directory / safe_file_name(org)
        self.path = folder / f"{safe_file_name(sandbox)}.json"
        self.backup_path = self.path.with_name(self.path.name + ".backup")
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        # (inode, mtime_ns, size) -> (serial, lineage) of the file as last read or written,
        # so a compare-and-swap need not re-parse a large document it already knows.
        self._known: tuple[tuple[int, int, int], int, str] | None = None

    def describe(self) -> str:
        """Where this state lives, for messages."""
        return f"state file {self.path}"

    # -- reading -------------------------------------------------------------------------

    def read(self) -> StateDocument:
        """The current document (migrated to this version), or an empty one when none exists."""
        try:
            raw = self.path.read_bytes()
            stamp = self._stamp()
        except FileNotFoundError:
            return StateDocument.empty(self.org, self.sandbox)
        except OSError as exc:
            raise StateError(f"cannot read state file {self.path}: {exc.strerror or exc}") from exc
        doc = self._parse(raw)
        if stamp is not None:
            self._known = (stamp, doc.serial, doc.lineage)
        return doc

    def _parse(self, raw: bytes) -> StateDocument:
        untouched = f"the file was left untouched; a previous version may be in {self.backup_path}"
        with _gc_paused():
            try:
                if _peek_version(raw) == STATE_VERSION:  # the common case: one pass, no dict tree
                    doc = StateDocument.model_validate_json(raw)
                else:
                    doc = self._parse_and_migrate(raw, untouched)
            except ValidationError as exc:
                if any(error["type"] == "json_invalid" for error in exc.errors()):
                    raise StateError(f"state file {self.path} is not valid JSON: {exc.errors()[0]['msg']}",
                                     hint=untouched) from exc
                raise StateError(
                    f"state file {self.path} does not match the state format (version {STATE_VERSION}):\n"
                    + validation_summary(exc),
                    hint=untouched,
                ) from exc
        if (doc.org, doc.sandbox) != (self.org, self.sandbox):
            raise StateError(
                f"state file {self.path} belongs to org {doc.org!r} sandbox {doc.sandbox!r}, "
                f"not org {self.org!r} sandbox {self.sandbox!r}",
                hint="the file was left untouched",
            )
        return doc

    def _parse_and_migrate(self, raw: bytes, untouched: str) -> StateDocument:
        try:
            data: Any = json.loads(raw)
        except ValueError as exc:
            raise StateError(f"state file {self.path} is not valid JSON: {exc}", hint=untouched) from exc
        if not isinstance(data, dict):
            raise StateError(f"state file {self.path} is not a JSON object", hint=untouched)
        data = migrate(data, source=f"state file {self.path}")
        return StateDocument.model_validate(data)

    def _stamp(self) -> tuple[int, int, int] | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def _on_disk(self) -> tuple[int, str | None]:
        """(serial, lineage) of the stored document; (0, None) when there is none."""
        stamp = self._stamp()
        if stamp is None:
            return 0, None
        if self._known is not None and self._known[0] == stamp:
            return self._known[1], self._known[2]
        doc = self.read()
        return doc.serial, doc.lineage

    # -- writing -------------------------------------------------------------------------

    def write(self, doc: StateDocument, *, expected_serial: int) -> StateDocument:
        """Store ``doc`` if the stored serial is still ``expected_serial``; bumps ``doc.serial`` in place."""
        return self._write(doc, expected_serial=expected_serial, new_serial=expected_serial + 1,
                           check_lineage=True)

    def replace(
        self, doc: StateDocument, *, expected_serial: int, new_serial: int | None = None
    ) -> str | None:
        """Like :meth:`write`, but over a document of another lineage too (``state push/pull --force``).

        A document of another lineage is not lost: it is renamed ``<name>.replaced-<UTC time>`` beside
        the state first, and that path is returned. Call it holding the lock.
        """
        serial, lineage = self._on_disk()
        aside = None
        if serial == expected_serial and lineage is not None and lineage != doc.lineage:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            aside = self.path.with_name(f"{self.path.name}.replaced-{stamp}")
            os.replace(self.path, aside)
            self._known = None
            expected_serial = 0
        self._write(doc, expected_serial=expected_serial,
                    new_serial=max(expected_serial + 1, new_serial or 0), check_lineage=False)
        return str(aside) if aside is not None else None

    def _write(self, doc: StateDocument, *, expected_serial: int, new_serial: int,
               check_lineage: bool) -> StateDocument:
        if (doc.org, doc.sandbox) != (self.org, self.sandbox):
            raise StateError(f"refusing to write the state of org {doc.org!r} sandbox {doc.sandbox!r} "
                             f"to {self.path}")
        with self._write_section():
            serial, lineage = self._on_disk()
            if serial != expected_serial:
                raise StateError(
                    f"state {self.path} changed since it was read (serial {serial} stored, "
                    f"{expected_serial} expected); nothing was written",
                    hint="another command wrote the state meanwhile; run the command again",
                )
            if check_lineage and lineage is not None and lineage != doc.lineage:
                raise StateError(
                    f"state {self.path} has lineage {lineage}, the document written has {doc.lineage}; "
                    "refusing to overwrite a different state",
                )
            updated = doc.model_copy(update={
                "version": STATE_VERSION,
                "serial": new_serial,
                "written_by": f"aep-exports {__version__}",
                "updated_at": datetime.now(UTC),
            })
            self._store(updated.to_json().encode("utf-8"))
            stamp = self._stamp()
            self._known = (stamp, updated.serial, updated.lineage) if stamp is not None else None
        doc.version, doc.serial = updated.version, updated.serial
        doc.written_by, doc.updated_at = updated.written_by, updated.updated_at
        return doc

    @contextlib.contextmanager
    def _write_section(self) -> Iterator[None]:
        # Threads of one process share the flock, so they also need a mutex around the CAS.
        key = str(self.path.absolute())
        with _write_guards_lock:
            guard = _write_guards.setdefault(key, threading.Lock())
        with guard:
            if held_by_this_process(self.lock_path):
                yield
            else:
                with exclusive_lock(self.lock_path, timeout=self.write_lock_timeout,
                                    command="state write", what=self.describe()):
                    yield

    def _store(self, payload: bytes) -> None:
        folder = self.path.parent
        tmp = folder / f".{self.path.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            if self.path.exists():
                self._keep_backup(folder)
            os.replace(tmp, self.path)
            _fsync_dir(folder)
        except OSError as exc:
            raise StateError(f"could not write state file {self.path}: {exc.strerror or exc}; "
                             "the previous state is intact") from exc
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()

    def _keep_backup(self, folder: Path) -> None:
        staged = folder / f".{self.backup_path.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        try:
            try:
                os.link(self.path, staged)
            except OSError:  # no hard links here (some network or FUSE filesystems): copy
                shutil.copyfile(self.path, staged)
            os.replace(staged, self.backup_path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                staged.unlink()

    # -- locking -------------------------------------------------------------------------

    def lock(self, *, timeout: float, command: str) -> contextlib.AbstractContextManager[None]:
        """The exclusive writer lock; LockError naming the holder after ``timeout`` seconds."""
        return exclusive_lock(self.lock_path, timeout=timeout, command=command, what=self.describe())
