"""Moving state between the file backend and the database (``state push`` / ``state pull``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aep_exports.errors import StateError
from aep_exports.state.model import StateDocument

if TYPE_CHECKING:
    from aep_exports.state.backend import StateBackend


@dataclass(frozen=True)
class Transfer:
    """What ``state push``/``state pull`` did: ``written`` is False when the destination was up to date."""

    lineage: str
    source_serial: int
    destination_serial: int
    written: bool
    replaced_lineage: str | None = None
    set_aside: str | None = None


def _content(doc: StateDocument) -> dict[str, Any]:
    return doc.model_dump(mode="json", exclude={"serial", "version", "written_by", "updated_at"})


def transfer_state(source: StateBackend, destination: StateBackend, *, force: bool, lock_timeout: float,
                   command: str) -> Transfer:
    """Copy the state document from ``source`` to ``destination`` (a file or a PostgreSQL backend).

    Refuses, unless ``force``, to replace a destination of another lineage (another state
    altogether) or one written after the source was (it holds changes the source lacks).
    Both locks are held, so no apply writes either side meanwhile.
    """
    with source.lock(timeout=lock_timeout, command=command), \
            destination.lock(timeout=lock_timeout, command=command):
        doc = source.read()
        if doc.serial == 0:
            raise StateError(f"there is no state to copy in {source.describe()}")
        current = destination.read()
        other_lineage = current.serial > 0 and current.lineage != doc.lineage
        if other_lineage and not force:
            raise StateError(
                f"{destination.describe()} holds a different state (lineage {current.lineage}, serial "
                f"{current.serial}) than {source.describe()} (lineage {doc.lineage}); refusing to replace it",
                hint="use --force to replace it with this one",
            )
        if current.serial > 0 and not other_lineage:
            if _content(current) == _content(doc):
                return Transfer(doc.lineage, doc.serial, current.serial, written=False)
            newer = current.updated_at and doc.updated_at and current.updated_at > doc.updated_at
            if newer and not force:
                raise StateError(
                    f"{destination.describe()} was written at {current.updated_at:%Y-%m-%d %H:%M:%S}Z, after "
                    f"{source.describe()} ({doc.updated_at:%Y-%m-%d %H:%M:%S}Z): it has changes the copy "
                    "would lose; refusing to replace it",
                    hint="copy it the other way first, or use --force to replace it anyway",
                )
        copy = doc.model_copy(deep=True)
        set_aside = destination.replace(copy, expected_serial=current.serial, new_serial=doc.serial)
        return Transfer(doc.lineage, doc.serial, copy.serial, written=True,
                        replaced_lineage=current.lineage if other_lineage else None, set_aside=set_aside)
