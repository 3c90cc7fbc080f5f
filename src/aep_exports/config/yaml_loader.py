"""Safe YAML loading that remembers where every value came from.

PyYAML's ``safe_load`` forgets positions, silently keeps the last of two duplicate keys and
expands aliases without limit. We compose the node graph with a ``SafeLoader``-derived loader
(no Python object construction is possible: every non-standard tag is refused) and build plain
dicts/lists ourselves, recording the line/column of each key and value by path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from aep_exports.config.problems import NodePath, Problem, format_path

MAX_FILE_BYTES = 1024 * 1024
MAX_NODES = 100_000  # after alias expansion: a "billion laughs" file stops here
MAX_DEPTH = 64

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_TAG}{name}" for name in ("str", "int", "float", "bool", "null")}
_MERGE_TAG = f"{_TAG}merge"


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2-like scalars: no implicit timestamps, only true/false are booleans.

    Timestamps stay strings so the models check RFC 3339 themselves; ``on``/``no``/``yes`` stay
    strings so ``segmentNs: NO`` is not silently ``False``.
    """

    yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag not in (f"{_TAG}timestamp", f"{_TAG}bool")]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        # The composer recurses per nesting level; stop well before Python's recursion limit.
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise _LimitError(f"nesting deeper than {MAX_DEPTH} levels", mark.line, mark.column)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_Loader.add_implicit_resolver(
    f"{_TAG}bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


if yaml.__with_libyaml__:  # libyaml composes ~5x faster; it caps nesting itself (1000 levels)
    from yaml.constructor import SafeConstructor
    from yaml.cyaml import CParser  # type: ignore[attr-defined]
    from yaml.resolver import Resolver

    class _CLoader(CParser, SafeConstructor, Resolver):
        yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

    _compose: Any = _CLoader
else:  # pragma: no cover - PyYAML built without libyaml
    _compose = _Loader


class _LimitError(Exception):
    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


@dataclass
class YamlDocument:
    """Plain data (dict/list/str/int/float/bool/None) plus the position of every node by path."""

    file: str
    data: Any
    value_marks: dict[NodePath, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[NodePath, tuple[int, int]] = field(default_factory=dict)

    def position(self, path: NodePath, *, of_key: bool = False) -> tuple[int, int]:
        """1-based (line, column) of ``path``'s key or value, else of its nearest known ancestor."""
        marks = self.key_marks if of_key else self.value_marks
        if path in marks:
            return marks[path]
        for end in range(len(path) - 1, -1, -1):
            prefix = path[:end]
            if prefix in self.value_marks:
                return self.value_marks[prefix]
        return (1, 1)

    def problem(
        self, path: NodePath, message: str, *, of_key: bool = False, shown: str | None = None
    ) -> Problem:
        """A Problem located at ``path`` (``shown`` overrides the displayed path)."""
        line, column = self.position(path, of_key=of_key)
        return Problem(self.file, line, column, format_path(path) if shown is None else shown, message)


class _Builder:
    """Walks composed nodes into plain data, with duplicate, tag, cycle and size checks."""

    def __init__(self, document: YamlDocument) -> None:
        self.doc = document
        self.problems: list[Problem] = []
        self.nodes = 0
        self.active: set[int] = set()
        self.constructor = yaml.SafeLoader("")

    def fail(self, node: Node, message: str, path: NodePath) -> None:
        mark = node.start_mark
        self.problems.append(
            Problem(self.doc.file, mark.line + 1, mark.column + 1, format_path(path), message)
        )

    def build(self, node: Node, path: NodePath) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _LimitError(
                f"more than {MAX_NODES} values after expanding aliases (an alias bomb?)",
                node.start_mark.line,
                node.start_mark.column,
            )
        if len(path) > MAX_DEPTH:
            raise _LimitError(
                f"nesting deeper than {MAX_DEPTH} levels", node.start_mark.line, node.start_mark.column
            )
        self.doc.value_marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if id(node) in self.active:
            raise _LimitError(
                "an alias refers to a node that contains it (recursive alias)",
                node.start_mark.line,
                node.start_mark.column,
            )
        if isinstance(node, ScalarNode):
            return self.scalar(node, path)
        self.active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                if node.tag != f"{_TAG}seq":
                    self.fail(node, _tag_message(node.tag), path)
                    return None
                return [self.build(item, (*path, index)) for index, item in enumerate(node.value)]
            if isinstance(node, MappingNode):
                if node.tag != f"{_TAG}map":
                    self.fail(node, _tag_message(node.tag), path)
                    return None
                return self.mapping(node, path)
        finally:
            self.active.discard(id(node))
        return None  # pragma: no cover - composer only makes these three node kinds

    def scalar(self, node: ScalarNode, path: NodePath) -> Any:
        if node.tag not in _SCALAR_TAGS:
            self.fail(node, _tag_message(node.tag), path)
            return None
        kind = node.tag.removeprefix(_TAG)
        if kind == "str":
            return node.value
        try:
            if kind == "int":
                return self.constructor.construct_yaml_int(node)
            if kind == "float":
                return self.constructor.construct_yaml_float(node)
            if kind == "bool":
                return self.constructor.construct_yaml_bool(node)
        except (ValueError, KeyError, yaml.YAMLError):
            self.fail(node, f"{node.value!r} is not a valid {kind}", path)
        return None

    def mapping(self, node: MappingNode, path: NodePath) -> dict[str, Any]:
        result: dict[str, Any] = {}
        explicit: dict[str, int] = {}
        merged: list[tuple[Node, Node]] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merged.extend(self.merge_sources(value_node, path))
                continue
            key = self.key(key_node, path)
            if key is None:
                continue
            key_path = (*path, key)
            if key in explicit:
                self.fail(
                    key_node, f"duplicate key '{key}' (first defined at line {explicit[key]})", key_path
                )
                continue
            explicit[key] = key_node.start_mark.line + 1
            self.doc.key_marks[key_path] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            result[key] = self.build(value_node, key_path)
        # Merge keys (`<<: *defaults`): explicit keys win, then earlier merged mappings.
        for key_node, value_node in merged:
            key = self.key(key_node, path)
            if key is not None and key not in result:
                self.doc.key_marks[(*path, key)] = (
                    key_node.start_mark.line + 1,
                    key_node.start_mark.column + 1,
                )
                result[key] = self.build(value_node, (*path, key))
        return result

    def merge_sources(self, node: Node, path: NodePath) -> list[tuple[Node, Node]]:
        sources = node.value if isinstance(node, SequenceNode) else [node]
        pairs: list[tuple[Node, Node]] = []
        for source in sources:
            if not isinstance(source, MappingNode):
                self.fail(source, "a merge key '<<' needs a mapping or a list of mappings", path)
                continue
            self.nodes += len(source.value)
            pairs.extend(pair for pair in source.value if pair[0].tag != _MERGE_TAG)
        return pairs

    def key(self, node: Node, path: NodePath) -> str | None:
        if not isinstance(node, ScalarNode) or node.tag not in _SCALAR_TAGS:
            self.fail(node, "mapping keys must be plain strings", path)
            return None
        return str(node.value)


def _tag_message(tag: str) -> str:
    shown = "!!" + tag.removeprefix(_TAG) if tag.startswith(_TAG) else tag
    return f"tag '{shown}' is not allowed (only plain YAML values are)"


def parse_yaml(text: str, file: str) -> tuple[YamlDocument, list[Problem]]:
    """Parse one YAML document from ``text``; problems instead of exceptions."""
    document = YamlDocument(file=file, data=None)
    try:
        root = _compose(text).get_single_node()
    except _LimitError as exc:
        return document, [Problem(file, exc.line + 1, exc.column + 1, "", exc.message)]
    except yaml.MarkedYAMLError as exc:
        return document, [_syntax_problem(exc, file, text)]
    except (yaml.YAMLError, RecursionError, ValueError, TypeError) as exc:  # e.g. unreadable characters
        return document, [Problem(file, 1, 1, "", f"not valid YAML: {_first_line(str(exc))}")]
    if root is None:
        return document, []
    builder = _Builder(document)
    try:
        document.data = builder.build(root, ())
    except _LimitError as exc:
        return document, [Problem(file, exc.line + 1, exc.column + 1, "", exc.message)]
    except RecursionError:
        return document, [Problem(file, 1, 1, "", "structure nested too deeply")]
    return document, builder.problems


def load_yaml_file(path: Path, file: str) -> tuple[YamlDocument, list[Problem]]:
    """Read and parse ``path`` (shown as ``file`` in messages), refusing files over the size limit."""
    empty = YamlDocument(file=file, data=None)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return empty, [
                Problem(file, 1, 1, "", f"file is {size} bytes, over the {MAX_FILE_BYTES} byte limit")
            ]
        raw = path.read_bytes()
    except OSError as exc:
        return empty, [Problem(file, 1, 1, "", f"cannot read file: {exc.strerror or exc}")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return empty, [Problem(file, line, 1, "", "file is not valid UTF-8")]
    return parse_yaml(text, file)


def _syntax_problem(exc: yaml.MarkedYAMLError, file: str, text: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    what = " ".join(part for part in (exc.context, exc.problem) if part)
    lines = text.splitlines()
    if mark is not None and mark.line < len(lines) and "\t" in lines[mark.line][: mark.column + 1]:
        return Problem(file, line, column, "", "YAML syntax error: a tab character here; YAML indents "
                       "with spaces only (replace the tab with spaces)")
    if "maximum nesting depth" in what:
        return Problem(file, line, column, "", f"nesting deeper than {MAX_DEPTH} levels")
    if "expected a single document" in what:
        what = "only one YAML document per file (remove the extra '---')"
    elif "block" in what or "indentation" in what:
        what += " (check the indentation)"
    return Problem(file, line, column, "", f"YAML syntax error: {what or 'invalid YAML'}")


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "invalid YAML"
