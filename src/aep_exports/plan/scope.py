"""What a selected command may touch: ``--select`` (and ``--target``, the same thing) as key sets.

One mechanism for every command (plan, apply, status, drift, download, report): the selectors of
:mod:`aep_exports.config.selection` matched against each export's and dataset's key and declared
``labels:``. An export or dataset that is no longer declared has no labels; a key selector still
selects it. The datasets that selected exports write into come along (an export cannot run
without its dataset), as Terraform's ``-target`` brings dependencies. Nothing else is read,
refreshed, recovered or written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from aep_exports.config.selection import Selection, parse_selectors
from aep_exports.plan.desired import Desired


@dataclass(frozen=True)
class Scope:
    """The keys a selection covers; ``everything`` when no selector was given."""

    selection: Selection
    exports: frozenset[str] = frozenset()
    datasets: frozenset[str] = frozenset()
    exports_total: int = 0
    datasets_total: int = 0

    @property
    def everything(self) -> bool:
        """True without selectors: every key is in scope."""
        return self.selection.is_everything

    def has_export(self, key: str) -> bool:
        """Whether export ``key`` is selected."""
        return self.everything or key in self.exports

    def has_dataset(self, key: str) -> bool:
        """Whether dataset ``key`` is selected (itself, or as the target of a selected export)."""
        return self.everything or key in self.datasets

    def describe(self) -> str:
        """``--select team=crm: 2 of 5 exports and 1 of 3 datasets; 3 exports and 2 datasets left out``."""
        left_exports = self.exports_total - len(self.exports)
        left_datasets = self.datasets_total - len(self.datasets)
        exports = _count(len(self.exports), self.exports_total, "export")
        return (
            f"--select {self.selection.describe()}: {exports} "
            f"and {_count(len(self.datasets), self.datasets_total, 'dataset')} selected; "
            f"{_n(left_exports, 'export')} and {_n(left_datasets, 'dataset')} left out, untouched"
        )


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _count(count: int, total: int, noun: str) -> str:
    return f"{count} of {total} {noun}{'' if total == 1 else 's'}"


def select_scope(
    selectors: Iterable[str] | Selection,
    desired: Desired,
    export_keys: Iterable[str] = (),
    dataset_keys: Iterable[str] = (),
) -> Scope:
    """The scope of ``selectors`` over the declarations and the keys state holds besides them."""
    selection = selectors if isinstance(selectors, Selection) else parse_selectors(selectors)
    all_exports = set(desired.exports) | set(export_keys)
    all_datasets = set(desired.datasets) | set(dataset_keys)
    if selection.is_everything:
        return Scope(
            selection, frozenset(all_exports), frozenset(all_datasets), len(all_exports), len(all_datasets)
        )
    exports = {
        key
        for key in all_exports
        if selection.selects(key, desired.exports[key].labels if key in desired.exports else {})
    }
    datasets = {
        key
        for key in all_datasets
        if selection.selects(key, desired.datasets[key].labels if key in desired.datasets else {})
    }
    for key in exports:
        want = desired.exports.get(key)
        if want is not None and want.dataset_key is not None and want.dataset_key in all_datasets:
            datasets.add(want.dataset_key)
    return Scope(selection, frozenset(exports), frozenset(datasets), len(all_exports), len(all_datasets))
