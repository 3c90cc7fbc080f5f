"""Choosing a backend from the ``state`` setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from aep_exports.config.settings import load_settings
from aep_exports.errors import StateError
from aep_exports.state.backend import StateBackend, backend_for, open_backend
from aep_exports.state.file_backend import FileStateBackend


def test_relative_directory_is_under_the_project(tmp_path: Path) -> None:
    backend = backend_for("st", tmp_path, "o@AdobeOrg", "dev")
    assert isinstance(backend, FileStateBackend) and isinstance(backend, StateBackend)
    assert backend.path == tmp_path / "st" / "o@AdobeOrg" / "dev.json"


def test_absolute_and_file_url_locations(tmp_path: Path) -> None:
    absolute = backend_for(str(tmp_path / "abs"), Path("/elsewhere"), "o", "s")
    url = backend_for(f"file://{tmp_path / 'abs'}", Path("/elsewhere"), "o", "s")
    assert isinstance(absolute, FileStateBackend) and isinstance(url, FileStateBackend)
    assert absolute.path == url.path == tmp_path / "abs" / "o" / "s.json"


def test_default_location(tmp_path: Path) -> None:
    backend = backend_for(None, tmp_path, "o", "s")
    assert isinstance(backend, FileStateBackend)
    assert backend.path == tmp_path / ".aep-exports" / "state" / "o" / "s.json"


@pytest.mark.parametrize("location,message", [
    ("s3://bucket/state", "unsupported state location scheme 's3'"),
])
def test_unsupported_locations_are_clear_errors(tmp_path: Path, location: str, message: str) -> None:
    with pytest.raises(StateError, match=message):
        backend_for(location, tmp_path, "o", "s")


def test_a_file_where_the_directory_should_be_is_refused(tmp_path: Path) -> None:
    (tmp_path / "st").write_text("")
    with pytest.raises(StateError, match="not a directory"):
        backend_for("st", tmp_path, "o", "s")


def test_open_backend_uses_the_settings(tmp_path: Path) -> None:
    (tmp_path / "aep-exports.yaml").write_text("sandbox: dev\norg: ORG1@AdobeOrg\nstate: my-state\n")
    settings = load_settings(tmp_path, {}, environ={})
    backend = open_backend(settings)
    assert isinstance(backend, FileStateBackend)
    assert backend.path == tmp_path.resolve() / "my-state" / "ORG1@AdobeOrg" / "dev.json"
    other = open_backend(settings, org="ORG2@AdobeOrg")
    assert isinstance(other, FileStateBackend) and other.org == "ORG2@AdobeOrg"


def test_open_backend_without_an_org_is_a_clear_error(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, {}, environ={})
    with pytest.raises(StateError, match="no org id"):
        open_backend(settings)
