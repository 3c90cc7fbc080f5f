"""Older state documents are migrated on read; newer ones are refused and left untouched."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from aep_exports.errors import StateError
from aep_exports.state.file_backend import FileStateBackend
from aep_exports.state.migrations import MIGRATIONS, migrate
from aep_exports.state.model import STATE_VERSION, StateDocument

FIXTURE = Path(__file__).parent / "fixtures" / "state_v0.json"


def test_every_version_below_the_current_one_has_a_migration() -> None:
    assert sorted(MIGRATIONS) == list(range(STATE_VERSION))


def test_v0_document_is_read_as_current_version(backend: FileStateBackend) -> None:
    backend.path.parent.mkdir(parents=True)
    shutil.copy(FIXTURE, backend.path)
    before = backend.path.read_bytes()
    doc = backend.read()
    assert doc.version == STATE_VERSION and doc.serial == 7
    assert doc.intents == {} and doc.datasets["customers"].orphaned is False
    first, second = doc.exports["daily-customers"].runs
    assert first.window_from is None and first.window_to == datetime(2024, 2, 1, tzinfo=UTC)
    assert second.window_to == datetime(2024, 2, 1, 23, tzinfo=UTC)  # +01:00 normalised to UTC
    assert backend.path.read_bytes() == before  # reading never rewrites


def test_migrated_document_is_written_in_the_current_version(backend: FileStateBackend) -> None:
    backend.path.parent.mkdir(parents=True)
    shutil.copy(FIXTURE, backend.path)
    doc = backend.read()
    backend.write(doc, expected_serial=7)
    stored = json.loads(backend.path.read_text())
    assert stored["version"] == STATE_VERSION and stored["serial"] == 8
    assert "from" not in stored["exports"]["daily-customers"]["runs"][0]
    assert json.loads(backend.backup_path.read_text())["version"] == 0


def test_newer_version_is_refused_and_left_untouched(backend: FileStateBackend) -> None:
    data = json.loads(FIXTURE.read_text())
    data["version"] = STATE_VERSION + 1
    backend.path.parent.mkdir(parents=True)
    backend.path.write_text(json.dumps(data))
    before = backend.path.read_bytes()
    with pytest.raises(StateError, match=r"newer aep-exports.*upgrade") as info:
        backend.read()
    assert str(backend.path) in info.value.message
    with pytest.raises(StateError, match="newer aep-exports"):
        backend.write(backend_doc(backend), expected_serial=7)
    assert backend.path.read_bytes() == before


def backend_doc(backend: FileStateBackend) -> StateDocument:
    return StateDocument.empty(backend.org, backend.sandbox)


@pytest.mark.parametrize("version", [-1, "1", True, 1.5])
def test_nonsense_versions_are_refused(version: object) -> None:
    with pytest.raises(StateError, match="version"):
        migrate({"version": version})
