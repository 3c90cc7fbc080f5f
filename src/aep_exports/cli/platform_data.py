"""``aep-exports platform load`` and ``platform seed``: fill the local platform's profile store."""

from __future__ import annotations

from pathlib import Path

import click

from aep_exports.cli.platform_cmd import resolve_data_dir
from aep_exports.extras import require_extra
from aep_exports.platform.credentials import DEV_ORG_ID

data_option = click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    envvar="AEP_EXPORTS_PLATFORM_DATA",
    help="The local platform's data directory [default: PROJECT/.aep-exports/local-platform].",
)
org_option = click.option("--org", default=DEV_ORG_ID, show_default=True, help="IMS organisation id.")
sandbox_option = click.option("--sandbox", default="prod", show_default=True, help="Sandbox name.")


def _fail(error: Exception) -> click.ClickException:
    # The platform package raises its own errors (it imports nothing from the reconciler).
    return click.ClickException(getattr(error, "message", str(error)))


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@data_option
@org_option
@sandbox_option
@click.pass_context
def load(ctx: click.Context, file: Path, data_dir: Path | None, org: str, sandbox: str) -> None:
    """Load profiles, events, memberships, segments and merge policies from a JSON-lines FILE.

    One JSON object per line, with "type" one of fragment, event, membership, segment,
    mergePolicy. The whole file is checked first: any bad line is reported with its line
    number and nothing is loaded.
    """
    require_extra("local", "the local platform's profile store")
    from aep_exports.platform.store import ProfileStore, StoreError

    try:
        with ProfileStore.open(resolve_data_dir(ctx, data_dir), org, sandbox) as store:
            report = store.load_jsonl(file)
    except StoreError as exc:
        raise _fail(exc) from None
    counts = ", ".join(
        f"{count} {kind}{'' if count == 1 else 's'}" for kind, count in report.counts.items() if count
    )
    click.echo(f"Loaded {counts or 'nothing'} from {file} into {org}/{sandbox} ({report.elapsed_ms} ms).")


@click.command()
@click.option(
    "--profiles",
    type=click.IntRange(min=0),
    default=10_000,
    show_default=True,
    help="How many profiles to generate.",
)
@click.option(
    "--seed",
    "seed_value",
    type=int,
    default=42,
    show_default=True,
    help="Random seed: the same seed gives the same store.",
)
@data_option
@org_option
@sandbox_option
@click.pass_context
def seed(
    ctx: click.Context, profiles: int, seed_value: int, data_dir: Path | None, org: str, sandbox: str
) -> None:
    """Replace the sandbox's profile store with a deterministic synthetic population.

    Profiles with XDM attributes from two datasets, web events, memberships in segments of
    the AAM and ups namespaces (including the segment and merge policy ids of Adobe's
    export example) and a few empty profiles.
    """
    require_extra("local", "the local platform's profile store")
    from aep_exports.platform.seeddata import generate
    from aep_exports.platform.store import ProfileStore, StoreError

    try:
        with ProfileStore.open(resolve_data_dir(ctx, data_dir), org, sandbox) as store:
            report = generate(store, profiles=profiles, seed=seed_value)
    except StoreError as exc:
        raise _fail(exc) from None
    click.echo(
        f"Seeded {org}/{sandbox}: {report.profiles} profiles ({report.empty_profiles} empty), "
        f"{report.fragments} fragments, {report.events} events, {report.memberships} memberships, "
        f"{report.segment_definitions} segments, {report.merge_policies} merge policies "
        f"(seed {report.seed}, base time {report.base_time.isoformat()}Z, {report.elapsed_ms} ms)."
    )
