"""One duration grammar for every YAML key and every command-line option (a table over all of them)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import click
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from aep_exports.cli.main import cli
from aep_exports.cli.params import DurationType
from aep_exports.config.durations import MAX_DURATION, DurationError, format_duration, parse_duration
from aep_exports.config.export_spec import ExportSpec
from aep_exports.config.settings import SettingsFile

GOOD = {
    "90s": timedelta(seconds=90),
    "30m": timedelta(minutes=30),
    "2h": timedelta(hours=2),
    "1d": timedelta(days=1),
    "1w": timedelta(weeks=1),
    "1h30m": timedelta(minutes=90),
    "1h 30m": timedelta(minutes=90),
    "1.5h": timedelta(minutes=90),
    "250ms": timedelta(milliseconds=250),
    "2m30s": timedelta(seconds=150),
    "45": timedelta(seconds=45),
    "0.5": timedelta(milliseconds=500),
}
BAD = ["1h1h", "30m1h", "2 hours", "1:30:00", "-5m", "1e3", "inf", "nan", "", "m", "1y", "1000000000d"]


def test_the_grammar() -> None:
    for text, expected in GOOD.items():
        assert parse_duration(text) == expected, text
    for text in BAD:
        with pytest.raises(DurationError):
            parse_duration(text)
    assert parse_duration(30) == timedelta(seconds=30) and parse_duration(0) == timedelta(0)
    with pytest.raises(DurationError, match="zero"):
        parse_duration("0s", allow_zero=False)
    with pytest.raises(DurationError, match="longer than the maximum, 3650d"):
        parse_duration("3651d")


@given(st.integers(min_value=0, max_value=int(MAX_DURATION.total_seconds() * 1000)))
def test_format_is_the_inverse_of_parse(millis: int) -> None:
    delta = timedelta(milliseconds=millis)
    text = format_duration(delta)
    assert parse_duration(text) == delta
    assert ":" not in text and " " not in text


def test_format_shows_the_largest_units() -> None:
    assert format_duration(timedelta(minutes=45)) == "45m"
    assert format_duration(timedelta(days=2, hours=3, minutes=4)) == "2d3h4m"
    assert format_duration(timedelta(days=2, hours=3, minutes=4), parts=2) == "2d3h"
    assert format_duration(timedelta(0)) == "0s"


# --- every option -------------------------------------------------------------------------------


def _commands(
    group: click.Group, ctx: click.Context, path: tuple[str, ...]
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, click.Context(command, parent=ctx, info_name=name), (*path, name))


def duration_options() -> list[tuple[tuple[str, ...], click.Command, click.Option]]:
    ctx = click.Context(cli, info_name="aep-exports", auto_envvar_prefix="AEP_EXPORTS")
    found = []
    for path, command in _commands(cli, ctx, ()):
        for param in command.params:
            if isinstance(param, click.Option) and (
                isinstance(param.type, DurationType) or "timeout" in (param.name or "")
            ):
                found.append((path, command, param))
    return found


OPTIONS = duration_options()


def test_every_writing_command_has_a_lock_timeout_and_every_duration_option_uses_the_type() -> None:
    where = {(" ".join(path), param.opts[0]) for path, _, param in OPTIONS}
    for command in (
        "apply",
        "refresh",
        "import dataset",
        "import export",
        "state rm",
        "state mv",
        "state ack",
        "state push",
        "state pull",
        "demo",
    ):
        assert (command, "--lock-timeout") in where, command
    assert ("apply", "--wait-timeout") in where
    assert all(isinstance(param.type, DurationType) for _, _, param in OPTIONS)


def _parse(command: click.Command, option: click.Option, value: str) -> Any:
    args = [option.opts[0], value]
    # Required arguments get placeholders: only the option's conversion is under test.
    args += ["x" for param in command.params if isinstance(param, click.Argument) and param.required]
    for param in command.params:  # and required options (`state ack --reason`)
        if isinstance(param, click.Option) and param.required:
            args += [param.opts[0], "x"]
    with click.Context(cli, info_name="aep-exports"):
        ctx = command.make_context(command.name, args)
    return ctx.params[option.name or ""]


@pytest.mark.parametrize(
    ("path", "command", "option"),
    OPTIONS,
    ids=[f"{' '.join(path)} {option.opts[0]}" for path, _, option in OPTIONS],
)
def test_every_duration_option_takes_the_grammar(
    path: tuple[str, ...], command: click.Command, option: click.Option
) -> None:
    for text, expected in GOOD.items():
        assert _parse(command, option, text) == expected, text
    for text in BAD:
        with pytest.raises(click.BadParameter) as caught:
            _parse(command, option, text)
        assert caught.value.exit_code == 2  # click's own; the root command turns it into 64


def test_a_bad_duration_flag_is_a_usage_error_naming_the_option(tmp_path: Path) -> None:
    from click.testing import CliRunner

    result = CliRunner().invoke(cli, ["--project", str(tmp_path), "apply", "--lock-timeout", "1h1h"])
    assert result.exit_code == 64
    assert "Invalid value for '--lock-timeout': '1h1h' is not a duration like '90s'" in result.output


# --- every YAML key -----------------------------------------------------------------------------

EXPORT = {"dataset": "5b020a27e7040801dedba61b", "schedule": "@daily"}
KEYS = [
    ("exports: timeout", lambda v: ExportSpec.model_validate({**EXPORT, "timeout": v}).timeout),
    (
        "settings: request_timeout",
        lambda v: timedelta(seconds=SettingsFile.model_validate({"request_timeout": v}).request_timeout),
    ),
    (
        "settings: deadline",
        lambda v: timedelta(seconds=SettingsFile.model_validate({"deadline": v}).deadline),
    ),
    (
        "settings: lock_timeout",
        lambda v: timedelta(seconds=SettingsFile.model_validate({"lock_timeout": v}).lock_timeout),
    ),
]


@pytest.mark.parametrize(("key", "read"), KEYS, ids=[key for key, _ in KEYS])
def test_every_duration_key_takes_the_grammar(key: str, read: Any) -> None:
    for text, expected in GOOD.items():
        assert read(text) == expected, text
    assert read(90) == timedelta(seconds=90)
    for text in BAD:
        with pytest.raises(ValidationError) as caught:
            read(text)
        assert (
            "duration" in str(caught.value)
            or "maximum" in str(caught.value)
            or "negative" in str(caught.value)
        )


def test_zero_is_a_lock_timeout_but_not_a_run_timeout() -> None:
    assert SettingsFile.model_validate({"lock_timeout": 0}).lock_timeout == 0
    with pytest.raises(ValidationError, match="zero"):
        ExportSpec.model_validate({**EXPORT, "timeout": "0s"})
