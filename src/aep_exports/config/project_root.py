"""Where the project is: found upward from the current directory, as git finds its repository.

A command run in ``exports/`` (or any directory below the project) works on the project above it, so
declarations, state and the local platform's data are the same wherever the user stands. ``--project``
(or ``AEP_EXPORTS_PROJECT``) names the project directly and wins.
"""

from __future__ import annotations

from pathlib import Path

SETTINGS_FILE = "aep-exports.yaml"
EXPORTS_DIR = "exports"


def is_project_root(directory: Path) -> bool:
    """True when ``directory`` holds ``aep-exports.yaml`` or an ``exports/`` directory."""
    return (directory / SETTINGS_FILE).is_file() or (directory / EXPORTS_DIR).is_dir()


def find_project_root(start: Path | None = None) -> Path | None:
    """The nearest of ``start`` (default: the current directory) and its parents that is a project root,
    or None when there is none (commands then work on ``start`` and say what is missing)."""
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        if is_project_root(directory):
            return directory
    return None
