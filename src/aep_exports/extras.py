"""Optional parts of the install (``pip install 'aep-exports[local]'``) and the check that names them.

The core install (validate, plan, apply against Adobe) stays light; the local platform's server
stack and parquet engines, and the PostgreSQL driver, are extras. A command that needs a missing
extra fails with one line naming it instead of an ImportError traceback.
"""

from __future__ import annotations

import importlib.util

from aep_exports.errors import MissingExtraError

EXTRAS: dict[str, tuple[str, ...]] = {
    "local": ("fastapi", "uvicorn", "duckdb", "pyarrow", "jsonpatch"),
    "postgres": ("psycopg",),
}
"""Extra name → the top-level modules it installs (kept in step with pyproject.toml)."""


def missing_modules(extra: str) -> list[str]:
    """The modules of ``extra`` that cannot be imported here."""
    return [name for name in EXTRAS[extra] if importlib.util.find_spec(name) is None]


def require_extra(extra: str, purpose: str) -> None:
    """Raise MissingExtraError (one line, with the pip command) when ``extra`` is not installed."""
    missing = missing_modules(extra)
    if missing:
        raise MissingExtraError(extra, purpose, missing)
