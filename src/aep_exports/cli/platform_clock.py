"""``aep-exports platform clock [show | set INSTANT | advance DURATION]``: the local platform's clock.

Moving the clock is an explicit action of its own: read-only commands (``plan``, ``drift``, ``status``)
never move it, whatever ``--now`` says (``--now`` is a what-if there). The command talks to the project's
platform as every other command does: the embedded local platform (``platform: local``) or a served one
(``platform: http://127.0.0.1:PORT``). Adobe's platform has no clock to move.
"""

from __future__ import annotations

from datetime import timedelta

import click

from aep_exports.cli.context import CliContext
from aep_exports.cli.params import POSITIVE_DURATION
from aep_exports.errors import NotFoundError, UsageError

ACTIONS = click.Choice(["show", "set", "advance"])


@click.command("clock")
@click.argument("action", type=ACTIONS, default="show", required=False)
@click.argument("value", required=False, metavar="[INSTANT|DURATION]")
@click.pass_obj
def clock(cli: CliContext, action: str, value: str | None) -> None:
    """Show the local platform's clock, set it to an RFC 3339 INSTANT, or advance it by a DURATION.

    \b
    Jobs on the local platform advance with its clock, so moving it forward lets runs finish.
    Examples: `platform clock`, `platform clock set 2024-05-02T04:00:00Z`, `platform clock advance 2h`.
    """
    from aep_exports.cli.wiring import open_client, parse_now
    from aep_exports.plan.windows import format_instant

    if action == "show" and value is not None:
        raise UsageError("`platform clock show` takes no value")
    if action != "show" and value is None:
        what = "an RFC 3339 instant" if action == "set" else "a duration (e.g. 30s, 2h, 1d)"
        raise UsageError(f"`platform clock {action}` needs {what}")
    by: timedelta | None = None
    if action == "advance":
        by = POSITIVE_DURATION.convert(value, None, None)
    settings = cli.settings()
    with open_client(settings) as client:
        admin = client.local_admin
        try:
            if action == "set":
                now = admin.set_clock(parse_now(str(value), source="platform clock set"))
            elif by is not None:
                now = admin.advance_clock(by)
            else:
                now = admin.clock()
        except NotFoundError:
            raise UsageError(
                f"the platform at {settings.platform} has no clock to move: only the local platform has one"
            ) from None
    click.echo(f"Local platform clock: {format_instant(now)}")
