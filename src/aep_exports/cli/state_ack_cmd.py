"""``aep-exports state ack ID --reason TEXT``: accept a change made outside aep-exports.

A finding (``drift`` lists each with its id: ``job-10047``...) stays until the platform no longer shows it
or someone acknowledges it here; the acknowledgement (who, when, why) is recorded in state, and ``drift``
then lists the finding as information and no longer exits 3 for it. It is an audit entry: a second
acknowledgement is refused (naming the first) unless ``--force``, which keeps the first in ``earlier_acks``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import click

from aep_exports.cli.context import CliContext
from aep_exports.cli.params import lock_seconds, lock_timeout_option
from aep_exports.errors import UsageError


@click.command("ack")
@click.argument("finding_id", metavar="ID")
@click.option("--reason", required=True, help="Why the change is accepted (recorded in state).")
@click.option("--by", "by", default=None, help="Who acknowledges it [default: user@host of this process].")
@click.option(
    "--force", is_flag=True,
    help="Acknowledge a finding already acknowledged (the earlier acknowledgement is kept in its history).",
)
@lock_timeout_option
@click.pass_obj
def ack(
    cli: CliContext,
    finding_id: str,
    reason: str,
    by: str | None,
    force: bool,
    lock_timeout: timedelta | None,
) -> None:
    """Acknowledge the out-of-band finding ID that `drift` lists: it no longer counts as drift.

    \b
    The acknowledgement records who, when and why. A finding already acknowledged is refused
    unless --force (the earlier acknowledgement is kept). To make the change part of what
    aep-exports manages instead, adopt it (`aep-exports import export KEY JOB_ID`).
    """
    from aep_exports.cli.wiring import load_declared, open_client, open_state, read_only_now
    from aep_exports.plan.findings import findings_seen
    from aep_exports.plan.model import PlanOptions
    from aep_exports.plan.windows import format_instant
    from aep_exports.reconcile.pipeline import plan_now
    from aep_exports.state.locking import operator_identity

    settings = cli.settings()
    backend = open_state(settings)
    who = by or operator_identity()
    with backend.lock(timeout=lock_seconds(lock_timeout, settings.lock_timeout), command="state ack"):
        doc = backend.read()
        found = doc.findings.get(finding_id)
        if found is None:  # seen by a read-only drift, not recorded yet: look for it now
            _, desired = load_declared(settings)
            with open_client(settings) as client:
                now = read_only_now(settings, client, None)
                plan = plan_now(settings, client, backend, desired, now, PlanOptions()).plan
            fresh = {record.id: record for record in findings_seen(plan, now)}
            found = fresh.get(finding_id)
            if found is None:
                known = sorted({*doc.findings, *fresh})
                raise UsageError(
                    f"no finding {finding_id!r}",
                    hint="`aep-exports drift` lists the findings with their ids"
                    + (f"; known: {', '.join(known)}" if known else "; there are none now"),
                )
        if found.ack is not None and not force:
            earlier = found.ack
            why = f": {earlier.reason}" if earlier.reason else ""
            raise UsageError(
                f"finding {finding_id} is already acknowledged by {earlier.by} at "
                f"{format_instant(earlier.at.replace(microsecond=0))}{why}",
                hint="pass --force to acknowledge it again (the earlier acknowledgement is kept)",
            )
        before = doc.serial
        doc.acknowledge_finding(found, by=who, at=datetime.now(UTC), reason=reason)
        backend.write(doc, expected_serial=before)
    click.echo(f"Acknowledged {finding_id} ({found.message}) as {who}: {reason}")
