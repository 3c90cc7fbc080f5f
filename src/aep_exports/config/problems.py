"""One located configuration problem, and the ConfigError that carries many of them."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from aep_exports.errors import ConfigError

PathPart = str | int
NodePath = tuple[PathPart, ...]

_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_$@-]+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]")
_HINT = "Run `aep-exports schema` for the full format, or see the README's declaration reference."


@dataclass(frozen=True, order=True)
class Problem:
    """``file:line:col: path: message`` — where a user must look, and what to change."""

    file: str
    line: int
    column: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}" if self.line > 0 else self.file
        text = f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"
        return _CONTROL.sub(lambda match: repr(match.group())[1:-1], text)  # always one line

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (``validate --format json``)."""
        return asdict(self)


class InvalidConfigError(ConfigError):
    """A ConfigError that also keeps each problem as structured data."""

    def __init__(self, details: Sequence[Problem], *, hint: str | None = _HINT) -> None:
        self.details = tuple(details)
        super().__init__([str(problem) for problem in self.details], hint=hint)


def format_path(path: Iterable[PathPart]) -> str:
    """``('exports', 'vip', 'filter', 'segments', 0)`` → ``exports.vip.filter.segments[0]``.

    Keys that are not plain names are quoted: ``tags["bad name!"]``.
    """
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif not _PLAIN_KEY.match(part):
            text += f"[{json.dumps(part)}]"
        else:
            text += f".{part}" if text else part
    return text


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` when one choice is close to ``word``, else ``''``."""
    options = [str(choice) for choice in choices]
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if not close:
        lowered = {option.lower(): option for option in options}
        close = [lowered[word.lower()]] if word.lower() in lowered else []
    return f" (did you mean '{close[0]}'?)" if close else ""


def short_repr(value: Any, limit: int = 60) -> str:
    """A quoted, length-capped rendering of a user value for error messages."""
    text = repr(value) if isinstance(value, str) else _plain(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _plain(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return repr(value)
