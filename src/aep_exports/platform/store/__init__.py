"""The local platform's profile store: fragments, events, memberships, segments, merge policies.

One DuckDB file per (organisation, sandbox) under ``data_dir/profiles/<org-slug>/<sandbox>/``.
Open it with :meth:`ProfileStore.open`, close it when done (``with`` works too). A store is
not thread-safe: open one per thread or operation and close it promptly, because DuckDB lets
only one *process* hold the file (another process gets :class:`StoreBusyError`).

Wire shapes returned by the read methods are those of the public API:

* merge policy: ``{"id", "name", "version", "schema": {"name"}, "attributeMerge": {"type", "order"?},
  "default", "imsOrgId", "sandbox"?...}`` (whatever was loaded, with these keys filled in);
* segment definition: ``{"id", "name", "namespace", "mergePolicyId", "expression", "schema": {"name"},
  ...}``.
"""

from aep_exports.platform.store.errors import LoadError, StoreBusyError, StoreError
from aep_exports.platform.store.profile_store import LoadReport, ProfileStore

__all__ = ["LoadError", "LoadReport", "ProfileStore", "StoreBusyError", "StoreError"]
