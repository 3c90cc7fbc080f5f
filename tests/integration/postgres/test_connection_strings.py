"""Every form of connection string libpq accepts works as a state location; the rest are refused cleanly.

Parsing is libpq's own (``psycopg.conninfo``); these tests connect to the real server at
127.0.0.1:5432 through each form, and check that no message ever shows the password.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from aep_exports.cli.main import cli
from aep_exports.errors import StateError
from aep_exports.state.backend import backend_for
from aep_exports.state.postgres import DatabaseLocation, PostgresStateBackend

ORG, SANDBOX = "ORG@AdobeOrg", "prod"
SOCKET_DIR = "/var/run/postgresql"
PASSWORD = "pw-S3CR3T-x"  # trust auth ignores it; it must never be shown


def _schema() -> str:
    return f"aep_test_{uuid.uuid4().hex[:12]}"


WORKING = [
    # (label, location with {schema}) — each must connect and keep state in that schema
    ("url", "postgresql://postgres@127.0.0.1:5432/test?schema={schema}"),
    ("url with password", f"postgresql://postgres:{PASSWORD}@127.0.0.1:5432/test?schema={{schema}}"),
    ("postgres scheme", "postgres://postgres@127.0.0.1/test?schema={schema}&application_name=t"),
    ("multi-host, first down", "postgresql://postgres@127.0.0.1:1,127.0.0.1:5432/test?schema={schema}"),
    ("host query parameter", "postgresql:///test?host=127.0.0.1&user=postgres&schema={schema}"),
    ("key=value", "host=127.0.0.1 port=5432 dbname=test user=postgres schema={schema}"),
    ("key=value, quoted",
     f"host='127.0.0.1' dbname='test' user=postgres password='{PASSWORD} x' schema={{schema}}"),
]
if Path(SOCKET_DIR).is_dir():
    WORKING += [
        ("socket directory", f"postgresql:///test?host={SOCKET_DIR}&user=postgres&schema={{schema}}"),
        ("socket directory, encoded", "postgresql://%2Fvar%2Frun%2Fpostgresql/test?user=postgres&schema={schema}"),
        ("key=value socket", f"host={SOCKET_DIR} dbname=test user=postgres schema={{schema}}"),
    ]


@pytest.mark.parametrize(("label", "template"), WORKING, ids=[label for label, _ in WORKING])
def test_every_libpq_form_connects(label: str, template: str, pg_server: str, tmp_path: Path) -> None:
    import psycopg

    schema = _schema()
    location = template.format(schema=schema)
    try:
        backend = backend_for(location, tmp_path, ORG, SANDBOX)
        assert isinstance(backend, PostgresStateBackend)
        assert PASSWORD not in backend.describe() and f"schema={schema}" in backend.describe()
        doc = backend.read()
        backend.write(doc, expected_serial=0)
        assert backend.read().serial == 1
        with backend.lock(timeout=1, command="test"):
            pass
        backend.close()
    finally:
        with psycopg.connect(pg_server, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


REFUSED = [
    ("unclosed IPv6 bracket", f"postgresql://postgres:{PASSWORD}@[::1/db", "matching \"]\""),
    ("unknown keyword", f"host=127.0.0.1 bogus=1 password={PASSWORD}", 'invalid connection option "bogus"'),
    ("unknown URL parameter", f"postgresql://u:{PASSWORD}@h/db?x=b", 'invalid URI query parameter: "x"'),
    ("unterminated quote", f"host=h password='{PASSWORD}", "unterminated quoted string"),
]


@pytest.mark.parametrize(("label", "location", "said"), REFUSED, ids=[label for label, _, _ in REFUSED])
def test_what_libpq_refuses_is_one_clean_error(label: str, location: str, said: str, tmp_path: Path) -> None:
    with pytest.raises(StateError) as caught:
        backend_for(location, tmp_path, ORG, SANDBOX)
    message = caught.value.message
    assert said in message and "\n" not in message
    assert PASSWORD not in message and PASSWORD not in (caught.value.hint or "")


def test_an_invalid_state_url_from_the_environment_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "exports").mkdir()
    env = {"AEP_STATE_URL": f"postgresql://postgres:{PASSWORD}@[::1/db"}
    result = CliRunner(env=env).invoke(cli, ["--project", str(tmp_path), "state", "list"])
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Error: the state location 'postgresql://***@[::1/db' is not a ")
    assert PASSWORD not in result.output and "Traceback" not in result.output


def test_display_never_holds_a_password() -> None:
    for location in (
        f"postgresql://u:{PASSWORD}@h1:5432,h2:5433/db?schema=s",
        f"postgresql://h/db?password={PASSWORD}",
        f"host=h dbname=db password={PASSWORD} sslpassword={PASSWORD}",
    ):
        shown = DatabaseLocation.parse(location)
        assert PASSWORD not in shown.display and PASSWORD not in repr(shown)
    multi = DatabaseLocation.parse("postgresql://u@h1:5432,h2:5433/db?schema=s")
    assert multi.display == "user=u dbname=db host=h1,h2 port=5432,5433 schema=s" and multi.schema == "s"


def test_libpq_environment_fills_what_the_string_leaves_out(pg_server: str, tmp_path: Path) -> None:
    """A bare ``dbname=test`` works with PGHOST/PGUSER, as psql would."""
    import psycopg

    schema = _schema()
    old = {name: os.environ.get(name) for name in ("PGHOST", "PGUSER")}
    os.environ.update({"PGHOST": "127.0.0.1", "PGUSER": "postgres"})
    try:
        backend = backend_for(f"dbname=test schema={schema}", tmp_path, ORG, SANDBOX)
        assert backend.read().serial == 0
        assert isinstance(backend, PostgresStateBackend)
        backend.close()
    finally:
        for name, value in old.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        with psycopg.connect(pg_server, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
