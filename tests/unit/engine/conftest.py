"""Fixtures of the export engine tests (their helpers are in ``support.engine``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from aep_exports.platform.store import ProfileStore
from support.engine import ORG


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ProfileStore]:
    with ProfileStore.open(tmp_path / "data", ORG, "prod") as opened:
        yield opened
