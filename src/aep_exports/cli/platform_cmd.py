"""``aep-exports platform``: run (``serve``), feed (``load``, ``seed``) and move the clock (``clock``) of
the local platform."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from aep_exports.cli.lazy import LazyGroup
from aep_exports.platform import LOCAL_DATA_DIR

F = TypeVar("F", bound=Callable[..., Any])


def default_data_dir(ctx: click.Context) -> Path:
    """``.aep-exports/local-platform/`` under the project (``--project``, else found upward from here)."""
    from aep_exports.cli.context import project_root

    return project_root(getattr(ctx.find_root().obj, "project_dir", None)) / LOCAL_DATA_DIR


def data_option(func: F) -> F:
    """The ``--data DIR`` option shared by ``serve``, ``load`` and ``seed``."""
    return click.option(
        "--data",
        "data_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help=f"Platform data directory [default: PROJECT/{LOCAL_DATA_DIR}].",
    )(func)


def resolve_data_dir(ctx: click.Context, data_dir: Path | None) -> Path:
    """The ``--data`` value, or the project's default."""
    return data_dir if data_dir is not None else default_data_dir(ctx)


@click.group(
    cls=LazyGroup,
    lazy_subcommands={
        "serve": "aep_exports.cli.platform_cmd:serve",
        "load": "aep_exports.cli.platform_data:load",
        "seed": "aep_exports.cli.platform_data:seed",
        "clock": "aep_exports.cli.platform_clock:clock",
    },
)
def platform() -> None:
    """Run and feed the local platform (an offline emulator of the AEP APIs)."""


def _fault_flags(func: F) -> F:
    options = [
        click.option(
            "--faults",
            "faults_file",
            type=click.Path(dir_okay=False, exists=True, path_type=Path),
            help="JSON or YAML file of fault settings (flags below override it).",
        ),
        click.option("--latency-ms", type=float, help="Latency added to every API answer."),
        click.option("--jitter-ms", type=float, help="Plus a random 0..N ms."),
        click.option("--rate-limit", type=float, help="API requests per second per client; more get 429."),
        click.option("--retry-after", "retry_after_s", type=int, help="Retry-After seconds sent with a 429."),
        click.option("--error-rate", type=float, help="Share (0-1) of API requests answered 500/503."),
        click.option(
            "--drop-rate", type=float, help="Share (0-1) of POSTs that take effect but lose their answer."
        ),
        click.option("--job-failure-rate", type=float, help="Share (0-1) of export jobs that end FAILED."),
        click.option("--job-hang-rate", type=float, help="Share (0-1) of export jobs that never finish."),
        click.option("--fail-next-jobs", type=int, help="The next N export jobs end FAILED, then the rates."),
        click.option("--fault-seed", "seed", type=int, help="Seed of the random fault choices."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _contract_flags(func: F) -> F:
    from aep_exports.platform.contract import VARIANTS

    options = [
        click.option(
            "--contract",
            "contract_file",
            type=click.Path(dir_okay=False, exists=True, path_type=Path),
            help="JSON or YAML file of contract variants (flags below override it).",
        ),
        *(
            click.option(
                variant.flag,
                variant.name,
                type=click.Choice(variant.values),
                help=f"{variant.help} [default: {variant.default}]",
            )
            for variant in VARIANTS
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@platform.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port", default=8080, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any free port)."
)
@data_option
@click.option(
    "--job-duration",
    "job_duration_s",
    type=float,
    default=3.0,
    show_default=True,
    help="Platform-clock seconds from an export job's creation to its end.",
)
@click.option(
    "--token-lifetime",
    "token_lifetime_s",
    type=float,
    default=86399,
    show_default=True,
    help="Seconds an IMS access token stays valid.",
)
@click.option(
    "--client",
    "clients",
    multiple=True,
    metavar="ID:SECRET:ORG",
    help="Another API client and the org(s) it may act for (repeatable).",
)
@_fault_flags
@_contract_flags
@click.option(
    "--log-level",
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
    default="warning",
    show_default=True,
)
@click.pass_context
def serve(
    ctx: click.Context,
    /,
    host: str,
    port: int,
    data_dir: Path | None,
    job_duration_s: float,
    token_lifetime_s: float,
    clients: tuple[str, ...],
    faults_file: Path | None,
    contract_file: Path | None,
    log_level: str,
    **flags: Any,
) -> None:
    """Run the local platform as an HTTP server (Ctrl-C stops it; its data stays under --data).

    The contract flags choose how it answers where Adobe's references are silent or disagree
    (docs/local-platform.md, "Contract variants"); they can change at run time: PUT /local/contract.
    """
    from aep_exports.extras import require_extra

    require_extra("local", "the local platform")
    import uvicorn

    from aep_exports.platform.app import create_app
    from aep_exports.platform.contract import VARIANTS, Contract
    from aep_exports.platform.credentials import DEV_CLIENT_ID, DEV_CLIENT_SECRET, DEV_ORG_ID
    from aep_exports.platform.faults import FaultConfig

    directory = resolve_data_dir(ctx, data_dir)
    variant_names = {variant.name for variant in VARIANTS}
    chosen = {k: v for k, v in flags.items() if k in variant_names and v is not None}
    fault_flags = {k: v for k, v in flags.items() if k not in variant_names and v is not None}
    try:
        faults = FaultConfig.from_file(faults_file) if faults_file else FaultConfig()
        faults = FaultConfig.from_mapping(fault_flags, base=faults)
        contract = Contract.from_file(contract_file) if contract_file else Contract()
        contract = Contract.from_mapping(chosen, base=contract)
        app = create_app(
            directory,
            job_duration_s=job_duration_s,
            token_lifetime_s=token_lifetime_s,
            clients=list(clients),
            faults=faults,
            contract=contract,
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on sockets that say they are TCP, and
    # without it every answer waits ~40 ms for a delayed ACK.
    sock = socket.socket(
        socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP
    )
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    bound_port = sock.getsockname()[1]
    url = f"http://{host if ':' not in host else f'[{host}]'}:{bound_port}"
    click.echo(f"Local platform listening on {url}")
    click.echo(f"  data directory  {directory.resolve()}")
    click.echo(f"  IMS token route {url}/ims/token/v3  (same host: AEP_IMS_URL={url})")
    click.echo(f"  client id       {DEV_CLIENT_ID}")
    click.echo(f"  client secret   {DEV_CLIENT_SECRET}  (development only)")
    click.echo(f"  org id          {DEV_ORG_ID}")
    click.echo("  sandboxes       any name (each is isolated); admin routes under /local/")
    if faults != FaultConfig():
        active = {k: v for k, v in faults.as_dict().items() if v != getattr(FaultConfig(), k)}
        click.echo(f"  faults          {active}")
    if contract.differences():
        click.echo(f"  contract        {contract.differences()}")
    config = uvicorn.Config(
        app,
        log_level=log_level,
        access_log=log_level in ("info", "debug"),
        lifespan="on",
        timeout_graceful_shutdown=5,
    )
    uvicorn.Server(config).run(sockets=[sock])
    app.platform.close()
