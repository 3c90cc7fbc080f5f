"""The ops tests' project: a tagged dataset, a daily and a broken manual export, 60 profiles."""

from __future__ import annotations

import pytest

from support.declarations import OPS_EXPORTS
from support.projects import Project, ProjectFactory


@pytest.fixture
def project(make_project: ProjectFactory) -> Project:
    """The ops declarations on the embedded local platform, its profile store seeded for sandbox dev."""
    return make_project(OPS_EXPORTS, profiles=60)
