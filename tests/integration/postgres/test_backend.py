"""The PostgreSQL state backend against a real server: round-trip, compare-and-swap, migrations."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import psycopg
import pytest

from aep_exports.errors import StateError
from aep_exports.state import postgres
from aep_exports.state.model import (
    STATE_VERSION,
    AppliedExport,
    DatasetRecord,
    Intent,
    RunRecord,
    StateDocument,
)
from aep_exports.state.postgres import PostgresStateBackend

ORG, SANDBOX = "ORG@AdobeOrg", "prod"
T0 = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)


def sample_document() -> StateDocument:
    doc = StateDocument.empty(ORG, SANDBOX)
    doc.datasets["profiles"] = DatasetRecord(id="5b020a27e7040801dedba61b", spec={"name": "Profiles"},
                                             created_at=T0)
    export = doc.ensure_export("vip-daily")
    export.spec = AppliedExport(declaration={"fields": "identities.id", "schedule": "@daily"})
    export.watermark = T0
    export.add_run(RunRecord(job_id=24115, slot=T0, window_from=None, window_to=T0, status="SUCCEEDED",
                             created=T0, finished=T0, batches=["da5cfb4de32c4b93a09f7e37fa53ad52"],
                             metrics={"totalExportedProfileCounter": 12}))
    doc.add_intent(Intent(kind="run_export", resource="export", key="vip-daily", slot=T0, started_at=T0))
    return doc


def test_round_trip_keeps_every_field_and_bumps_the_serial(pg_url: str) -> None:
    backend = PostgresStateBackend(pg_url, ORG, SANDBOX)
    assert backend.read().serial == 0
    doc = sample_document()
    backend.write(doc, expected_serial=0)
    assert doc.serial == 1
    again = PostgresStateBackend(pg_url, ORG, SANDBOX).read()
    assert again.model_dump(exclude={"updated_at"}) == doc.model_dump(exclude={"updated_at"})
    assert again.exports["vip-daily"].runs[0].window_to == T0
    again.exports["vip-daily"].watermark = None
    backend.write(again, expected_serial=1)
    assert backend.read().serial == 2
    assert backend.read().exports["vip-daily"].watermark is None


def test_sandboxes_and_orgs_have_separate_rows(pg_url: str) -> None:
    PostgresStateBackend(pg_url, ORG, SANDBOX).write(sample_document(), expected_serial=0)
    assert PostgresStateBackend(pg_url, ORG, "dev").read().serial == 0
    assert PostgresStateBackend(pg_url, "OTHER@AdobeOrg", SANDBOX).read().serial == 0


def test_a_write_based_on_an_old_serial_is_refused_and_changes_nothing(pg_url: str) -> None:
    first, second = PostgresStateBackend(pg_url, ORG, SANDBOX), PostgresStateBackend(pg_url, ORG, SANDBOX)
    first.write(sample_document(), expected_serial=0)
    mine, theirs = first.read(), second.read()
    theirs.datasets["theirs"] = DatasetRecord(id="a" * 24)
    second.write(theirs, expected_serial=theirs.serial)
    mine.datasets["mine"] = DatasetRecord(id="b" * 24)
    with pytest.raises(StateError, match=r"changed since it was read \(serial 2 stored, 1 expected\)"):
        first.write(mine, expected_serial=1)
    stored = first.read()
    assert set(stored.datasets) == {"profiles", "theirs"} and stored.serial == 2
    assert mine.serial == 1  # the refused document was not bumped


def test_a_first_write_loses_to_an_existing_row(pg_url: str) -> None:
    PostgresStateBackend(pg_url, ORG, SANDBOX).write(sample_document(), expected_serial=0)
    with pytest.raises(StateError, match="serial 1 stored, 0 expected"):
        PostgresStateBackend(pg_url, ORG, SANDBOX).write(StateDocument.empty(ORG, SANDBOX), expected_serial=0)


def test_a_document_of_another_lineage_is_not_written_over(pg_url: str) -> None:
    backend = PostgresStateBackend(pg_url, ORG, SANDBOX)
    backend.write(sample_document(), expected_serial=0)
    stranger = sample_document()  # new lineage
    with pytest.raises(StateError, match="refusing to overwrite a different state"):
        backend.write(stranger, expected_serial=1)
    assert backend.replace(stranger, expected_serial=1, new_serial=40) is None  # a row keeps nothing aside
    assert stranger.serial == 40
    assert backend.read().lineage == stranger.lineage


def test_the_document_of_another_sandbox_is_refused(pg_url: str) -> None:
    doc = StateDocument.empty(ORG, "dev")
    with pytest.raises(StateError, match="refusing to write the state of org"):
        PostgresStateBackend(pg_url, ORG, SANDBOX).write(doc, expected_serial=0)


def _raw(pg_url: str, statement: str, *params: object) -> None:
    backend = PostgresStateBackend(pg_url, ORG, SANDBOX)
    with backend._session() as conn:
        conn.execute(statement, params)


def test_older_documents_are_migrated_and_newer_ones_refused_untouched(pg_url: str) -> None:
    backend = PostgresStateBackend(pg_url, ORG, SANDBOX)
    backend.write(sample_document(), expected_serial=0)
    v0 = {"org": ORG, "sandbox": SANDBOX, "lineage": "x", "serial": 1,
          "exports": {"e": {"runs": [{"slot": "2026-03-01T00:00:00Z", "from": "2026-02-28T00:00:00Z",
                                      "to": "2026-03-01T00:00:00Z", "status": "SUCCEEDED"}]}}}
    _raw(pg_url, "UPDATE aep_exports_state SET document = %s::jsonb, version = 0", json.dumps(v0))
    migrated = backend.read()
    assert migrated.version == STATE_VERSION
    assert migrated.exports["e"].runs[0].window_from == datetime(2026, 2, 28, tzinfo=UTC)

    future = {**v0, "version": 99}
    _raw(pg_url, "UPDATE aep_exports_state SET document = %s::jsonb, version = 99", json.dumps(future))
    with pytest.raises(StateError, match="format version 99, written by a newer aep-exports"):
        backend.read()
    with backend._session() as conn:
        assert conn.execute("SELECT document->>'version' FROM aep_exports_state").fetchone()[0] == "99"


def test_table_migrations_are_idempotent_and_upgrade_step_by_step(
        pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for _ in range(3):
        assert PostgresStateBackend(pg_url, ORG, SANDBOX).schema_version() == 1
    backend = PostgresStateBackend(pg_url, ORG, SANDBOX)
    backend.write(sample_document(), expected_serial=0)
    with backend._session() as conn:
        rows = conn.execute("SELECT version FROM aep_exports_schema_migrations").fetchall()
    assert rows == [(1,)]

    step2 = (2, ["ALTER TABLE {state} ADD COLUMN note text DEFAULT 'v2'"])
    monkeypatch.setattr(postgres, "SCHEMA_MIGRATIONS", [*postgres.SCHEMA_MIGRATIONS, step2])
    monkeypatch.setattr(postgres, "SCHEMA_VERSION", 2)
    upgraded = PostgresStateBackend(pg_url, ORG, SANDBOX)
    assert upgraded.schema_version() == 2
    assert upgraded.schema_version() == 2  # a second run applies nothing
    with upgraded._session() as conn:
        assert conn.execute("SELECT note FROM aep_exports_state").fetchone() == ("v2",)
        versions = conn.execute("SELECT version FROM aep_exports_schema_migrations ORDER BY 1").fetchall()
    assert versions == [(1,), (2,)]
    assert upgraded.read().serial == 1

    monkeypatch.setattr(postgres, "SCHEMA_MIGRATIONS", postgres.SCHEMA_MIGRATIONS[:1])
    monkeypatch.setattr(postgres, "SCHEMA_VERSION", 1)
    with pytest.raises(StateError, match="table format 2, created by a newer aep-exports"):
        PostgresStateBackend(pg_url, ORG, SANDBOX).read()


def test_the_lock_is_reentrant_within_a_process_and_released_after(pg_url: str) -> None:
    backend = PostgresStateBackend(pg_url, ORG, SANDBOX)
    other_instance = PostgresStateBackend(pg_url, ORG, SANDBOX)
    with backend.lock(timeout=1, command="apply"), other_instance.lock(timeout=0.2, command="refresh"):
        doc = backend.read()
        backend.write(doc, expected_serial=0)
        with backend._session() as conn:
            row = conn.execute("SELECT command FROM aep_exports_locks").fetchone()
        assert row == ("apply",)
    with backend._session() as conn:
        assert conn.execute("SELECT count(*) FROM aep_exports_locks").fetchone() == (0,)
    with PostgresStateBackend(pg_url, ORG, SANDBOX).lock(timeout=0.2, command="again"):
        pass


def test_description_and_errors_never_show_the_password() -> None:
    url = "postgresql://aep:s3cr3t-pw@127.0.0.1:1/state?schema=team&connect_timeout=1"
    backend = PostgresStateBackend(url, ORG, SANDBOX, connect_timeout=1)
    assert "s3cr3t" not in backend.describe()
    assert backend.describe().startswith(
        "PostgreSQL state user=aep connect_timeout=1 dbname=state host=127.0.0.1 port=1 schema=team"
    )
    with pytest.raises(StateError) as caught:
        backend.read()
    assert "cannot connect to PostgreSQL state" in caught.value.message
    assert "s3cr3t" not in caught.value.message and "s3cr3t" not in (caught.value.hint or "")


def test_an_unreachable_schema_is_a_state_error_for_a_writer_and_empty_for_a_reader(pg_server: str) -> None:
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute("DROP ROLE IF EXISTS aep_exports_no_create")
        conn.execute("CREATE ROLE aep_exports_no_create LOGIN")
    try:
        url = pg_server.replace("postgres@", "aep_exports_no_create@") + "?schema=aep_forbidden_schema"
        backend = PostgresStateBackend(url, ORG, SANDBOX)
        assert backend.read().serial == 0  # a reader creates nothing: no schema is an empty state
        with pytest.raises(StateError, match="cannot use schema 'aep_forbidden_schema'"):
            backend.write(StateDocument.empty(ORG, SANDBOX), expected_serial=0)
    finally:
        with psycopg.connect(pg_server, autocommit=True) as conn:
            conn.execute("DROP ROLE IF EXISTS aep_exports_no_create")
