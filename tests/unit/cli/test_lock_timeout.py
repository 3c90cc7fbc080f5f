"""Read-only commands take no lock, so they offer no `--lock-timeout` (the writing commands' table, with the
duration grammar, is in tests/unit/config/test_durations.py)."""

from __future__ import annotations

import click
import pytest

from aep_exports.cli.main import cli

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


@pytest.mark.parametrize("path", READ_ONLY, ids=" ".join)
def test_read_only_commands_take_no_lock_and_offer_no_lock_timeout(path: tuple[str, ...]) -> None:
    options = [p for p in _command(path).params if isinstance(p, click.Option)]
    assert not [p for p in options if "--lock-timeout" in p.opts]
