"""Helper: a project on the embedded local platform (``platform: local``), its profiles seeded."""

from __future__ import annotations

from pathlib import Path

from apply_project import SANDBOX, exports_yaml, write_project

from aep_exports.cli.wiring import local_data_dir
from aep_exports.config.settings import load_settings
from aep_exports.platform.credentials import DEV_ORG_ID


def seeded_local_project(root: Path, exports: int = 1, profiles: int = 20) -> Path:
    """A project under ``root``: one dataset and ``exports`` due exports, on the embedded platform."""
    from aep_exports.platform.app import create_app

    write_project(root, "local", exports_yaml(exports))
    data_dir = local_data_dir(load_settings(root, {}))
    data_dir.mkdir(parents=True, exist_ok=True)
    app = create_app(data_dir, in_process=True)
    try:
        app.platform.seed(DEV_ORG_ID, SANDBOX, profiles, 7)
    finally:
        app.platform.close()
    return root
