"""The file backend: round trips, compare-and-swap, atomic writes, backups, refusing corrupt files."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from aep_exports.errors import StateError
from aep_exports.state.file_backend import FileStateBackend, safe_file_name
from aep_exports.state.model import STATE_VERSION, DatasetRecord, StateDocument


def test_missing_file_reads_as_an_empty_document(backend: FileStateBackend) -> None:
    doc = backend.read()
    assert doc.is_empty and (doc.org, doc.sandbox) == (backend.org, backend.sandbox)
    assert not backend.path.exists()


def test_write_then_read_round_trips_and_bumps_the_serial(
    backend: FileStateBackend, doc: StateDocument
) -> None:
    returned = backend.write(doc, expected_serial=0)
    assert returned is doc and doc.serial == 1 and doc.written_by.startswith("aep-exports")
    again = backend.read()
    assert again == doc
    backend.write(again, expected_serial=1)
    assert again.serial == 2 and backend.read().serial == 2
    assert backend.path == backend.directory / safe_file_name(backend.org) / "prod.json"


def test_stale_writer_is_refused(tmp_path: Path, doc: StateDocument) -> None:
    first = FileStateBackend(tmp_path, doc.org, doc.sandbox)
    second = FileStateBackend(tmp_path, doc.org, doc.sandbox)
    first.write(doc, expected_serial=0)
    mine, theirs = first.read(), second.read()
    theirs.datasets["other"] = DatasetRecord(id="x")
    second.write(theirs, expected_serial=theirs.serial)
    mine.datasets.clear()
    with pytest.raises(StateError, match=r"changed since it was read \(serial 2 stored, 1 expected\)"):
        first.write(mine, expected_serial=mine.serial)
    assert "other" in first.read().datasets and mine.serial == 1


def test_first_write_of_two_fresh_documents_only_one_wins(backend: FileStateBackend) -> None:
    a, b = backend.read(), backend.read()
    backend.write(a, expected_serial=0)
    with pytest.raises(StateError, match="serial 1 stored, 0 expected"):
        backend.write(b, expected_serial=0)


def test_a_document_of_another_lineage_is_not_written_over(
    backend: FileStateBackend, doc: StateDocument
) -> None:
    backend.write(doc, expected_serial=0)
    stranger = StateDocument.empty(doc.org, doc.sandbox)
    with pytest.raises(StateError, match="lineage"):
        backend.write(stranger, expected_serial=1)


def test_a_document_of_another_sandbox_is_not_written(backend: FileStateBackend) -> None:
    with pytest.raises(StateError, match="sandbox 'dev'"):
        backend.write(StateDocument.empty(backend.org, "dev"), expected_serial=0)


def test_previous_version_is_kept_as_backup(backend: FileStateBackend, doc: StateDocument) -> None:
    backend.write(doc, expected_serial=0)
    assert not backend.backup_path.exists()
    first = backend.path.read_bytes()
    doc.datasets.clear()
    backend.write(doc, expected_serial=1)
    assert backend.backup_path.read_bytes() == first
    assert json.loads(backend.backup_path.read_text())["serial"] == 1
    assert json.loads(backend.path.read_text())["datasets"] == {}


def test_crash_during_rename_leaves_the_old_file_and_no_partial_file(
    backend: FileStateBackend, doc: StateDocument, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend.write(doc, expected_serial=0)
    before = backend.path.read_bytes()
    real_replace = os.replace

    def crash(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if Path(dst) == backend.path:
            raise OSError(5, "Input/output error")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", crash)
    doc.datasets.clear()
    with pytest.raises(StateError, match=r"could not write state file.*previous state is intact"):
        backend.write(doc, expected_serial=1)
    monkeypatch.undo()
    assert backend.path.read_bytes() == before
    assert sorted(p.name for p in backend.path.parent.iterdir() if p.name.startswith(".")) == []
    assert backend.read().serial == 1
    assert doc.serial == 1  # the failed write did not pretend to succeed
    backend.write(doc, expected_serial=1)  # and the next attempt works
    assert backend.read().datasets == {}


def test_crash_while_writing_the_temp_file_leaves_the_old_file(
    backend: FileStateBackend, doc: StateDocument, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend.write(doc, expected_serial=0)
    before = backend.path.read_bytes()

    def no_space(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(StateError, match="No space left"):
        backend.write(doc, expected_serial=1)
    monkeypatch.undo()
    assert backend.path.read_bytes() == before
    assert [p.name for p in backend.path.parent.iterdir() if ".tmp-" in p.name] == []


@pytest.mark.parametrize("content,message", [
    (b'{"version": 1, "serial": ', "not valid JSON"),
    (b"[1, 2]", "not a JSON object"),
    (b"", "not valid JSON"),
    (b'{"version": 1, "org": "TESTORG0000000000000000@AdobeOrg", "sandbox": "prod", "serial": "many"}',
     "does not match the state format"),
    (b'{"version": 1, "org": "TESTORG0000000000000000@AdobeOrg", "sandbox": "prod", "surprise": 1}',
     "surprise"),
    (b'{"version": 1, "org": "other@AdobeOrg", "sandbox": "prod"}', "belongs to org 'other@AdobeOrg'"),
])
def test_corrupt_file_is_refused_named_and_left_untouched(
    backend: FileStateBackend, content: bytes, message: str
) -> None:
    backend.path.parent.mkdir(parents=True)
    backend.path.write_bytes(content)
    with pytest.raises(StateError, match=message) as info:
        backend.read()
    assert str(backend.path) in info.value.message
    with pytest.raises(StateError):
        backend.write(StateDocument.empty(backend.org, backend.sandbox), expected_serial=0)
    assert backend.path.read_bytes() == content


def test_file_names_are_safe_and_distinct() -> None:
    assert safe_file_name("AEPLOCAL0000000000000000@AdobeOrg") == "AEPLOCAL0000000000000000@AdobeOrg"
    assert safe_file_name("../etc") == "%2E.%2Fetc"
    assert safe_file_name("a/b") != safe_file_name("a_b")
    assert "/" not in safe_file_name("x/../../y")
    with pytest.raises(StateError):
        safe_file_name("")


def test_state_is_written_compactly_and_readably(backend: FileStateBackend, doc: StateDocument) -> None:
    backend.write(doc, expected_serial=0)
    text = backend.path.read_text()
    assert text.startswith(f'{{"version":{STATE_VERSION},')
    assert '"slot":"2024-03-02T00:00:00Z"' in text


def test_concurrent_writers_in_one_process_exactly_one_wins(tmp_path: Path) -> None:
    org, sandbox = "o@AdobeOrg", "prod"
    FileStateBackend(tmp_path, org, sandbox).write(StateDocument.empty(org, sandbox), expected_serial=0)
    barrier = threading.Barrier(8)
    won: list[int] = []
    lost: list[StateError] = []

    def write(i: int) -> None:
        backend = FileStateBackend(tmp_path, org, sandbox)  # separate instances share no cache
        doc = backend.read()
        doc.datasets[f"d{i}"] = DatasetRecord(id=str(i))
        barrier.wait(5)
        try:
            backend.write(doc, expected_serial=1)
            won.append(i)
        except StateError as exc:
            lost.append(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(won) == 1 and len(lost) == 7
    final = FileStateBackend(tmp_path, org, sandbox).read()
    assert final.serial == 2 and list(final.datasets) == [f"d{won[0]}"]


def test_describe_names_the_file(backend: FileStateBackend) -> None:
    assert str(backend.path) in backend.describe()


def test_replace_may_change_lineage_but_still_checks_the_serial(
    backend: FileStateBackend, doc: StateDocument
) -> None:
    backend.write(doc, expected_serial=0)
    backend.write(doc, expected_serial=1)
    pulled = StateDocument.empty(doc.org, doc.sandbox)
    with pytest.raises(StateError, match="serial 2 stored, 1 expected"):
        backend.replace(pulled, expected_serial=1)
    backend.replace(pulled, expected_serial=2, new_serial=10)
    stored = backend.read()
    assert stored.lineage == pulled.lineage and stored.serial == 10 and stored.datasets == {}


def test_replace_keeps_a_document_of_another_lineage_aside(
    backend: FileStateBackend, doc: StateDocument
) -> None:
    backend.write(doc, expected_serial=0)
    stranger = StateDocument.empty(doc.org, doc.sandbox)
    with pytest.raises(StateError, match="refusing to overwrite a different state"):
        backend.write(stranger, expected_serial=1)
    kept = backend.replace(stranger, expected_serial=1, new_serial=7)
    assert kept is not None and json.loads(Path(kept).read_text())["lineage"] == doc.lineage
    assert backend.read().lineage == stranger.lineage and stranger.serial == 7
    again = backend.read()
    assert backend.replace(again, expected_serial=7) is None  # the same lineage: nothing to keep aside
    assert backend.read().serial == 8
