"""Parameter types and options shared by the commands: one duration type, one instant type.

Every duration option (``--lock-timeout``, ``--wait-timeout``, …) uses :data:`DURATION`, the
grammar of ``config/durations.py`` that YAML keys use too; every ``--now`` uses :data:`INSTANT`,
the project's one RFC 3339 parser. A bad value is a usage error (exit 64) naming the option.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

import click
from click.shell_completion import CompletionItem

F = TypeVar("F", bound=Callable[..., Any])


class DurationType(click.ParamType):  # type: ignore[type-arg]  # generic only since click 8.2
    """``30s``, ``2m``, ``1h30m``, ``1.5h``, ``250ms``, ``1d`` or seconds → ``timedelta``."""

    name = "duration"

    def __init__(self, *, allow_zero: bool = True) -> None:
        self.allow_zero = allow_zero

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> timedelta:
        if isinstance(value, timedelta):
            return value
        from aep_exports.config.durations import DurationError, parse_duration

        try:
            return parse_duration(value, allow_zero=self.allow_zero)
        except DurationError as exc:
            self.fail(str(exc), param, ctx)

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "DURATION"


class InstantType(click.ParamType):  # type: ignore[type-arg]
    """An RFC 3339 instant with a time zone → aware ``datetime`` in UTC."""

    name = "instant"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        from aep_exports.cli.wiring import parse_now
        from aep_exports.errors import UsageError

        try:
            return parse_now(str(value))
        except UsageError as exc:
            self.fail(exc.message, param, ctx)

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "RFC3339"


class RestateType(click.ParamType):  # type: ignore[type-arg]
    """``KEY`` or ``KEY:FROM`` (FROM an RFC 3339 instant) → ``RestateRequest``."""

    name = "restate"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from aep_exports.plan.model import RestateRequest

        if isinstance(value, RestateRequest):
            return value
        key, _, start = str(value).strip().partition(":")
        from aep_exports.config.values import KEY_PATTERN

        if not re.match(KEY_PATTERN, key):
            self.fail(f"{value!r}: expected KEY or KEY:FROM (e.g. daily:2024-05-01T00:00:00Z)", param, ctx)
        if not start:
            return RestateRequest(key=key)
        return RestateRequest(key=key, window_from=INSTANT.convert(start, param, ctx))

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "KEY[:FROM]"


DURATION = DurationType()
POSITIVE_DURATION = DurationType(allow_zero=False)
INSTANT = InstantType()
RESTATE = RestateType()

LOCK_TIMEOUT_ENV = "AEP_EXPORTS_LOCK_TIMEOUT"
NOW_ENV = "AEP_EXPORTS_NOW"


def lock_timeout_option(func: F) -> F:
    """``--lock-timeout DURATION`` of every command that writes state."""
    return click.option(
        "--lock-timeout",
        "lock_timeout",
        type=DURATION,
        default=None,
        envvar=LOCK_TIMEOUT_ENV,
        help="How long to wait for the state lock, e.g. 30s or 2m (default: the lock_timeout setting; "
        f"also {LOCK_TIMEOUT_ENV}).",
    )(func)


def lock_seconds(option: timedelta | None, setting: float) -> float:
    """The lock timeout in seconds: the option when given, else the setting."""
    return setting if option is None else option.total_seconds()


def now_option(verb: str) -> Callable[[F], F]:
    """``--now RFC3339``: act as if it were that instant (also ``AEP_EXPORTS_NOW``)."""
    return click.option(
        "--now",
        "now_text",
        type=INSTANT,
        envvar=NOW_ENV,
        help=f"{verb} as if it were this instant, with a time zone (e.g. 2024-05-01T03:00:00Z; "
        f"also {NOW_ENV}).",
    )


# --- shell completion of declared keys ----------------------------------------------------------


def complete_keys(kinds: tuple[str, ...] = ("exports", "datasets")) -> Callable[..., list[CompletionItem]]:
    """A completion callback offering the keys declared under ``exports/`` (never raises)."""

    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
        keys: set[str] = set()
        try:
            from aep_exports.cli.context import project_root
            from aep_exports.config.loader import declaration_files
            from aep_exports.config.yaml_loader import load_yaml_file

            project = project_root(ctx.find_root().params.get("project_dir"))
            for path in declaration_files(project):
                document, _ = load_yaml_file(path, path.name)
                data = document.data if isinstance(document.data, dict) else {}
                for kind in kinds:
                    section = data.get(kind)
                    if isinstance(section, dict):
                        keys.update(map(str, section))
        except Exception:  # completion must never print a traceback into the user's shell
            return []
        return [CompletionItem(key) for key in sorted(keys) if key.startswith(incomplete)]

    return complete


EXPORT_KEYS = complete_keys(("exports",))
DATASET_KEYS = complete_keys(("datasets",))
ALL_KEYS = complete_keys()


def select_option(what: str) -> Callable[[F], F]:
    """``--select SELECTOR`` (repeatable): keys, key globs or LABEL=VALUE, as ``report`` has it."""
    return click.option(
        "--select",
        "selectors",
        multiple=True,
        metavar="SELECTOR",
        shell_complete=ALL_KEYS,
        help=f"{what} only what this selects: a key, a key glob (vip-*) or LABEL=VALUE (team=crm); "
        "repeatable and comma-separated: labels ANDed, keys ORed.",
    )


def selection_of(selectors: tuple[str, ...], targets: tuple[str, ...] = ()) -> tuple[str, ...]:
    """``--select`` values plus ``--target`` keys (the same mechanism), checked (usage error, exit 64)."""
    from aep_exports.config.selection import parse_selectors

    texts = (*targets, *selectors)
    parse_selectors(texts)
    return texts
