"""Read every declaration file under ``exports/`` into one ``Declarations``, or fail with all problems."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, TypeVar

from aep_exports.config.dataset_spec import DatasetSpec
from aep_exports.config.declarations import (
    Declarations,
    DeclarationsFile,
    DeclaredDataset,
    DeclaredExport,
    SkippedFile,
    SourceLocation,
)
from aep_exports.config.export_spec import ExportSpec
from aep_exports.config.moved import MovedChecker, MovedEntry
from aep_exports.config.problems import InvalidConfigError, NodePath, Problem, did_you_mean, format_path
from aep_exports.config.project_root import EXPORTS_DIR
from aep_exports.config.validation import validate_document
from aep_exports.config.values import DATASET_ID_PATTERN, check_key
from aep_exports.config.yaml_loader import YamlDocument, load_yaml_file

SUFFIXES = (".yaml", ".yml")
Spec = TypeVar("Spec", DatasetSpec, ExportSpec)


def declaration_files(project_dir: Path) -> list[Path]:
    """``exports/**/*.yaml|yml`` in a stable order, skipping hidden files and directories."""
    root = project_dir / EXPORTS_DIR
    found = [
        path
        for path in root.rglob("*")
        if path.suffix in SUFFIXES
        and path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(root).parts)
    ]
    return sorted(found, key=lambda path: path.relative_to(root).as_posix())


def display_name(project_dir: Path, path: Path) -> str:
    """How a file is named in messages: relative to the project, with forward slashes."""
    try:
        return path.relative_to(project_dir).as_posix()
    except ValueError:
        return path.as_posix()


class _Collector:
    """Accumulates declarations and problems over all files."""

    def __init__(self, sandbox: str) -> None:
        self.sandbox = sandbox
        self.problems: list[Problem] = []
        self.datasets: dict[str, DeclaredDataset] = {}
        self.exports: dict[str, DeclaredExport] = {}
        self.export_docs: dict[str, YamlDocument] = {}
        # Every key seen (valid or not), so one broken declaration causes no follow-up errors.
        self.seen: dict[str, dict[str, SourceLocation]] = {"datasets": {}, "exports": {}}
        self.files: list[str] = []
        self.skipped: list[SkippedFile] = []
        self.moved = MovedChecker()

    def add_file(self, path: Path, name: str) -> None:
        document, problems = load_yaml_file(path, name)
        self.problems.extend(problems)
        if problems:
            return
        data = document.data if document.data is not None else {}
        if not isinstance(data, dict):
            message = "a declaration file must be a mapping with 'datasets:' and/or 'exports:'"
            self.problems.append(document.problem((), message))
            return
        model, problems = validate_document(DeclarationsFile, document, data)
        self.problems.extend(problems)
        pin = data.get("sandbox")
        if isinstance(pin, str) and pin and pin != self.sandbox:
            self.skipped.append(SkippedFile(name, pin))
            return  # checked above for errors, but it declares nothing for this sandbox
        self.files.append(name)
        if isinstance(model, DeclarationsFile):
            self.collect(model.datasets, model.exports, document)
            self.moved.add(model.moved, document)
        else:  # keep what is valid, so cross-file checks still run on it
            datasets = _valid_items(DatasetSpec, data.get("datasets"))
            exports = _valid_items(ExportSpec, data.get("exports"))
            self.collect(datasets, exports, document)
            self.moved.add(_valid_moves(data.get("moved")), document)
            for section in ("datasets", "exports"):
                raw = data.get(section)
                for key in raw if isinstance(raw, dict) else ():
                    self.seen[section].setdefault(str(key), _source(document, (section, str(key))))

    def collect(
        self, datasets: dict[str, DatasetSpec], exports: dict[str, ExportSpec], document: YamlDocument
    ) -> None:
        for key, dataset in datasets.items():
            if re.match(DATASET_ID_PATTERN, key):
                message = (f"dataset key '{key}' looks like a dataset id (24 hexadecimal characters), so an "
                           "export naming it would write into that id; choose another key")
                self.problems.append(document.problem(("datasets", key), message, of_key=True))
                continue
            source = self.claim(document, "datasets", key)
            if source is not None:
                self.datasets[key] = DeclaredDataset(key, dataset, source)
        for key, export in exports.items():
            source = self.claim(document, "exports", key)
            if source is not None:
                self.exports[key] = DeclaredExport(key, export, source, _reference_locations(document, key))
                self.export_docs[key] = document

    def claim(self, document: YamlDocument, section: str, key: str) -> SourceLocation | None:
        """The key's location if it is new; a problem naming both places if it is not."""
        source = _source(document, (section, key))
        first = self.seen[section].get(key)
        if first is not None:
            self.problems.append(
                document.problem(
                    (section, key),
                    f"{section[:-1]} '{key}' is already declared at {first}; keys must be "
                    "unique across all files",
                    of_key=True,
                )
            )
            return None
        self.seen[section][key] = source
        return source

    def check_references(self) -> None:
        for key, declared in self.exports.items():
            wanted = declared.dataset_key
            if wanted is None or wanted in self.seen["datasets"]:
                continue
            known = sorted(self.seen["datasets"])
            listing = f"; declared: {', '.join(known)}" if known and len(known) <= 10 else ""
            self.problems.append(
                self.export_docs[key].problem(
                    ("exports", key, "dataset"),
                    f"'{wanted}' names no declared dataset and is not a dataset id "
                    f"(24 hexadecimal characters){did_you_mean(wanted, known)}{listing}",
                )
            )


def _valid_items(model: type[Spec], raw: Any) -> dict[str, Spec]:
    items: dict[str, Spec] = {}
    for key, value in raw.items() if isinstance(raw, dict) else ():
        try:
            check_key(str(key))
            items[str(key)] = model.model_validate(value)
        except ValueError:  # pydantic's ValidationError and our key check; already reported
            continue
    return items


def _valid_moves(raw: Any) -> list[MovedEntry]:
    entries: list[MovedEntry] = []
    for item in raw if isinstance(raw, list) else ():
        try:
            entries.append(MovedEntry.model_validate(item))
        except ValueError:  # already reported
            continue
    return entries


def _source(document: YamlDocument, path: tuple[str, str]) -> SourceLocation:
    line, _ = document.position(path, of_key=True)
    return SourceLocation(document.file, line)


def _reference_locations(document: YamlDocument, key: str) -> dict[str, SourceLocation]:
    """Where export ``key`` writes the values only the platform can check: its dataset, merge policy
    version and segment ids (``format_path`` of the path under the export → its value's line)."""
    export = ("exports", key)
    paths: list[NodePath] = [("dataset",), ("mergePolicy", "id"), ("mergePolicy", "version")]
    raw = document.data["exports"][key] if isinstance(document.data, dict) else None
    filter_ = raw.get("filter") if isinstance(raw, dict) else None
    segments = filter_.get("segments") if isinstance(filter_, dict) else None
    if isinstance(segments, list):
        paths += [("filter", "segments", index, "segmentId") for index in range(len(segments))]
    return {
        format_path(path): SourceLocation(document.file, document.value_marks[(*export, *path)][0])
        for path in paths
        if (*export, *path) in document.value_marks
    }


def load_declarations(project_dir: Path, sandbox: str) -> Declarations:
    """Every declaration for ``sandbox`` under ``project_dir/exports``; ConfigError lists all problems."""
    project_dir = project_dir.resolve()
    root = project_dir / EXPORTS_DIR
    if not root.is_dir():
        raise InvalidConfigError(
            [Problem(display_name(project_dir, root), 0, 0, "", "no exports/ directory here")],
            hint="Run in the project directory (or pass --project DIR), "
            "or create exports/ with `aep-exports init`.",
        )
    collector = _Collector(sandbox)
    for path in declaration_files(project_dir):
        collector.add_file(path, display_name(project_dir, path))
    collector.check_references()
    moves, problems = collector.moved.check(
        {"dataset": set(collector.seen["datasets"]), "export": set(collector.seen["exports"])}
    )
    collector.problems.extend(problems)
    if collector.problems:
        raise InvalidConfigError(sorted(collector.problems))
    return Declarations(
        sandbox=sandbox,
        datasets=collector.datasets,
        exports=collector.exports,
        files=tuple(collector.files),
        skipped_files=tuple(collector.skipped),
        moved=tuple(moves),
    )


def summary(declarations: Declarations) -> dict[str, Any]:
    """Counts for ``validate``'s summary line and JSON output."""
    return {
        "sandbox": declarations.sandbox,
        "datasets": len(declarations.datasets),
        "exports": len(declarations.exports),
        "files": list(declarations.files),
        "skipped_files": [
            {"file": item.file, "sandbox": item.sandbox} for item in declarations.skipped_files
        ],
    }
