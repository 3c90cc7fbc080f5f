"""Upgrades of older state documents, one version step at a time.

``MIGRATIONS[n]`` turns a version-``n`` document (plain JSON dict) into a version ``n + 1``
one. :func:`migrate` applies them in order up to ``STATE_VERSION`` and refuses documents
written by a newer aep-exports, so an old binary never rewrites (and loses) what it does
not understand. The caller writes nothing back until its next ordinary write.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aep_exports.errors import StateError
from aep_exports.state.model import STATE_VERSION

JsonDict = dict[str, Any]


def _v0_to_v1(doc: JsonDict) -> JsonDict:
    """v0 (pre-release): runs said ``from``/``to``, no ``orphaned`` flags, no write-ahead intents."""
    out = dict(doc)
    out["version"] = 1
    out.setdefault("intents", {})
    out.setdefault("last_refresh", None)
    datasets = {}
    for key, record in (doc.get("datasets") or {}).items():
        datasets[key] = {"orphaned": False, **record}
    out["datasets"] = datasets
    exports = {}
    for key, record in (doc.get("exports") or {}).items():
        runs = []
        for run in record.get("runs") or []:
            run = dict(run)
            if "from" in run:
                run["window_from"] = run.pop("from")
            if "to" in run:
                run["window_to"] = run.pop("to")
            runs.append(run)
        exports[key] = {"orphaned": False, **record, "runs": runs}
    out["exports"] = exports
    return out


def _v1_to_v2(doc: JsonDict) -> JsonDict:
    """v2 added fields with defaults (run ``attempt``/``restated``/``breaches``, export ``restatements``):
    a v1 document reads as it is; the version says an older aep-exports must not rewrite a v2 one."""
    return dict(doc)


def _v2_to_v3(doc: JsonDict) -> JsonDict:
    """v3 added ``findings`` (out-of-band changes kept until resolved or acknowledged): none yet."""
    out = dict(doc)
    out.setdefault("findings", {})
    return out


MIGRATIONS: dict[int, Callable[[JsonDict], JsonDict]] = {
    0: _v0_to_v1,
    1: _v1_to_v2,
    2: _v2_to_v3,
}


def document_version(doc: JsonDict) -> int:
    """The version a raw document declares (0 when absent: the pre-release format had none)."""
    version = doc.get("version", 0)
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise StateError(f"state 'version' must be a non-negative integer, not {version!r}")
    return version


def migrate(doc: JsonDict, *, source: str = "state") -> JsonDict:
    """``doc`` upgraded to ``STATE_VERSION``; StateError for a newer version or a missing step."""
    version = document_version(doc)
    if version > STATE_VERSION:
        raise StateError(
            f"{source} is format version {version}, written by a newer aep-exports "
            f"(this one reads up to version {STATE_VERSION}); upgrade aep-exports",
            hint="the file was left untouched",
        )
    while version < STATE_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise StateError(f"{source}: no migration from state format version {version}")
        doc = step(doc)
        version += 1
        doc["version"] = version
    return doc
