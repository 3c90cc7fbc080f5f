"""``moved:``: renames of declaration keys that keep their history, as Terraform's ``moved`` blocks.

A file under ``exports/`` may hold a top-level list::

    moved:
      - {from: vip-daily, to: vip-members-daily}        # the kind is the one that declares `to`
      - {from: dataset.old-target, to: dataset.target}  # or named, when a key is both

On the next apply the state entry of ``from`` (watermark, runs, dataset id) is moved to ``to``
instead of the old one being orphaned and the new one exported in full. Entries stay in the files
after that (harmless: a ``from`` the state no longer holds is skipped), so every copy of the state
gets the rename. Checked across all files: ``to`` must be declared and ``from`` no longer declared;
a key moves once, into a key nothing else moves into, and never through a chain (``a → b → c``:
write ``a → c``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from aep_exports.config.problems import Problem, short_repr
from aep_exports.config.strict import StrictModel
from aep_exports.config.values import KEY_MAX_LENGTH
from aep_exports.config.yaml_loader import YamlDocument

ADDRESS_PATTERN = r"^(?:(dataset|export)\.)?([a-z][a-z0-9]*(?:[-_][a-z0-9]+)*)$"
_ADDRESS = re.compile(ADDRESS_PATTERN)
Kind = Literal["dataset", "export"]


def check_address(value: str) -> str:
    """``KEY``, ``dataset.KEY`` or ``export.KEY``."""
    match = _ADDRESS.match(value)
    if match is None or len(match.group(2)) > KEY_MAX_LENGTH:
        raise PydanticCustomError(
            "address",
            "{value} is not a key (e.g. 'vip-daily') or an address 'dataset.KEY' / 'export.KEY'",
            {"value": short_repr(value)},
        )
    return value


Address = Annotated[
    str,
    AfterValidator(check_address),
    WithJsonSchema({"type": "string", "pattern": ADDRESS_PATTERN}),
]


class MovedEntry(StrictModel):
    """One rename: the state of ``from`` becomes the state of ``to``."""

    from_: Address = Field(alias="from", description="The old key (no longer declared).")
    to: Address = Field(description="The new key (declared).")


@dataclass(frozen=True)
class DeclaredMove:
    """A checked rename of a dataset or an export key, with where it was written."""

    kind: Kind
    old: str
    new: str
    source: str  # file:line


@dataclass(frozen=True)
class _Found:
    entry: MovedEntry
    document: YamlDocument
    index: int


def _split(address: str) -> tuple[Kind | None, str]:
    """(``dataset``/``export``/None when not named, key)."""
    kind, _, key = address.rpartition(".")
    if kind == "dataset":
        return "dataset", key
    if kind == "export":
        return "export", key
    return None, key


class MovedChecker:
    """Collects ``moved:`` entries of every file, then checks them against all declared keys."""

    def __init__(self) -> None:
        self._found: list[_Found] = []

    def add(self, entries: Iterable[MovedEntry], document: YamlDocument) -> None:
        for index, entry in enumerate(entries):
            self._found.append(_Found(entry, document, index))

    def check(self, declared: dict[Kind, set[str]]) -> tuple[list[DeclaredMove], list[Problem]]:
        """The moves, or the problems that make them unusable (each at its entry's line)."""
        chained = self._chains()
        moves: list[tuple[DeclaredMove, _Found]] = []
        problems = list(chained.values())
        for found in self._found:
            if id(found) in chained or any(id(f) in chained for f in self._continuing(found)):
                continue
            move, problem = self._resolve(found, declared)
            if problem is not None:
                problems.append(problem)
            elif move is not None:
                moves.append((move, found))
        problems.extend(self._conflicts(moves))
        return ([move for move, _ in moves] if not problems else []), problems

    def _continuing(self, found: _Found) -> list[_Found]:
        """The entries that move on the key ``found`` moves away from (a chain ending in ``found``)."""
        kind, old = _split(found.entry.from_)
        out: list[_Found] = []
        for other in self._found:
            other_kind, new = _split(other.entry.to)
            if (
                other is not found
                and new == old
                and (kind is None or other_kind is None or kind == other_kind)
            ):
                out.append(other)
        return out

    def _chains(self) -> dict[int, Problem]:
        """``a → b`` and ``b → c``: one problem, on the first entry (keyed by its id)."""
        problems: dict[int, Problem] = {}
        for found in self._found:
            for earlier in self._continuing(found):
                old, middle, end = (
                    _split(earlier.entry.from_)[1],
                    _split(earlier.entry.to)[1],
                    _split(found.entry.to)[1],
                )
                problems.setdefault(
                    id(earlier),
                    self._problem(
                        earlier,
                        "to",
                        f"a chain of moves ({old} → {middle} → {end}): write {old} → {end} directly, "
                        f"and remove {middle} → {end}",
                    ),
                )
        return problems

    @staticmethod
    def _problem(found: _Found, field: str, message: str) -> Problem:
        return found.document.problem(("moved", found.index, field), message)

    def _resolve(
        self, found: _Found, declared: dict[Kind, set[str]]
    ) -> tuple[DeclaredMove | None, Problem | None]:
        entry = found.entry
        old_kind, old = _split(entry.from_)
        new_kind, new = _split(entry.to)
        if old_kind and new_kind and old_kind != new_kind:
            return None, self._problem(
                found, "to", f"{entry.from_} is a {old_kind}; it cannot become {entry.to}"
            )
        kind = old_kind or new_kind
        if kind is None:
            kinds: list[Kind] = [k for k in ("dataset", "export") if new in declared[k]]
            if len(kinds) == 2:
                return None, self._problem(
                    found,
                    "to",
                    f"'{new}' is both a dataset and an export: write dataset.{new} or export.{new}",
                )
            kind = kinds[0] if kinds else None
        if kind is None or new not in declared[kind]:
            what = f"{kind} " if kind else ""
            return None, self._problem(
                found, "to", f"{what}'{new}' is not declared: a moved entry renames a key into a declared one"
            )
        if old == new:
            return None, self._problem(found, "to", f"'{old}' is moved onto itself")
        if old in declared[kind]:
            return None, self._problem(
                found,
                "from",
                f"{kind} '{old}' is still declared: remove its declaration (it is now '{new}'), "
                "or remove this moved entry",
            )
        line, _ = found.document.position(("moved", found.index))
        return DeclaredMove(kind, old, new, f"{found.document.file}:{line}"), None

    def _conflicts(self, moves: list[tuple[DeclaredMove, _Found]]) -> list[Problem]:
        problems: list[Problem] = []
        sources: dict[tuple[Kind, str], DeclaredMove] = {}
        targets: dict[tuple[Kind, str], DeclaredMove] = {}
        for move, found in moves:
            if (move.kind, move.old) in sources:
                first = sources[(move.kind, move.old)]
                problems.append(
                    self._problem(
                        found,
                        "from",
                        f"{move.kind} '{move.old}' is already moved at {first.source} (to '{first.new}')",
                    )
                )
            sources.setdefault((move.kind, move.old), move)
            if (move.kind, move.new) in targets:
                first = targets[(move.kind, move.new)]
                problems.append(
                    self._problem(
                        found,
                        "to",
                        f"{move.kind} '{first.old}' already moves into '{move.new}' at {first.source}; "
                        "two keys cannot become one",
                    )
                )
            targets.setdefault((move.kind, move.new), move)
        return problems
