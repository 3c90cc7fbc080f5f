"""Every command that writes state takes `--lock-timeout DURATION` the same way; read-only ones take none."""

from __future__ import annotations

from datetime import timedelta

import click
import pytest

from aep_exports.cli.main import cli
from aep_exports.cli.params import DURATION

WRITING = [
    ("apply",),
    ("refresh",),
    ("import", "dataset"),
    ("import", "export"),
    ("state", "rm"),
    ("state", "mv"),
    ("state", "ack"),
    ("state", "push"),
    ("state", "pull"),
    ("demo",),
]
READ_ONLY = [("plan",), ("drift",), ("status",), ("state", "list"), ("state", "show")]


def _command(path: tuple[str, ...]) -> click.Command:
    ctx = click.Context(cli)
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        found = command.get_command(ctx, name)
        assert found is not None, f"no command {' '.join(path)}"
        command = found
    return command


def _lock_option(command: click.Command) -> click.Option | None:
    found = [p for p in command.params if isinstance(p, click.Option) and "--lock-timeout" in p.opts]
    return found[0] if found else None


@pytest.mark.parametrize("path", WRITING, ids=" ".join)
def test_every_writing_command_takes_lock_timeout_as_a_duration(path: tuple[str, ...]) -> None:
    option = _lock_option(_command(path))
    assert option is not None, f"`{' '.join(path)}` writes state but has no --lock-timeout"
    assert option.type is DURATION and option.envvar == "AEP_EXPORTS_LOCK_TIMEOUT"
    for text, expected in (("30s", timedelta(seconds=30)), ("2m", timedelta(minutes=2)), ("0", timedelta())):
        assert option.type.convert(text, option, None) == expected
    with pytest.raises(click.BadParameter):
        option.type.convert("soon", option, None)


@pytest.mark.parametrize("path", READ_ONLY, ids=" ".join)
def test_read_only_commands_take_no_lock_and_offer_no_lock_timeout(path: tuple[str, ...]) -> None:
    assert _lock_option(_command(path)) is None
