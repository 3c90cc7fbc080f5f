"""A click group whose subcommands are imported only when used, to keep start-up fast."""

from __future__ import annotations

import importlib
from typing import Any

import click

ENV_PREFIX = "AEP_EXPORTS"
"""Every option can be given in the environment as ``AEP_EXPORTS_<COMMAND>_<OPTION>``."""


def name_envvars(command: click.Command, prefix: str) -> None:
    """Give each option of ``command`` (and of its subcommands) the variable ``PREFIX_OPTION``.

    click's ``auto_envvar_prefix`` names variables after the Python parameter (``fmt``,
    ``now_text``); naming them after the long flag (``--format`` → ``…_FORMAT``) is what a
    user can guess from ``--help``. Options with an explicit ``envvar`` keep it.
    """
    for param in command.params:
        if isinstance(param, click.Option) and param.envvar is None and param.allow_from_autoenv:
            flags = [opt for opt in param.opts if opt.startswith("--")]
            if flags:
                param.envvar = f"{prefix}_{max(flags, key=len)[2:].replace('-', '_').upper()}"
    if isinstance(command, click.Group) and not isinstance(command, LazyGroup):
        for name, sub in command.commands.items():
            name_envvars(sub, f"{prefix}_{name.replace('-', '_').upper()}")


class LazyGroup(click.Group):
    """Subcommands given as ``{"name": "package.module:attribute"}``, imported on first use."""

    def __init__(self, *args: Any, lazy_subcommands: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_subcommands = lazy_subcommands or {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_subcommands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy_subcommands:
            module_name, attr = self.lazy_subcommands[cmd_name].split(":")
            command = getattr(importlib.import_module(module_name), attr)
            if not isinstance(command, click.Command):
                raise TypeError(f"{module_name}:{attr} is not a click command")
            prefix = ctx.auto_envvar_prefix or ENV_PREFIX
            name_envvars(command, f"{prefix}_{cmd_name.replace('-', '_').upper()}")
            return command
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Listing short help must not import every command module: keep the help in the registry.
        rows = [(name, COMMAND_HELP.get(f"{self.name} {name}", COMMAND_HELP.get(name, "")))
                for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


# One-line help for `--help` listings, so they need not import the command modules.
COMMAND_HELP: dict[str, str] = {
    "validate": "Check the project's settings and declarations; report every problem.",
    "schema": "Print the JSON Schemas of the declaration and settings files.",
    "refresh": "Read the platform and record finished runs in state; change nothing else.",
    "plan": "Show what apply would do now (or save it with -o).",
    "drift": "Compare the platform with the declarations and state; exit 3 on out-of-band changes.",
    "apply": "Carry out a plan: create datasets, start due runs, cancel stuck ones, record outcomes.",
    "status": "Show each export's last run, next slot, watermark lag and health.",
    "import": "Adopt an existing dataset or export job into state.",
    "download": "Download the parquet files of an export run.",
    "state": "Inspect or edit the state document (list, show, rm, push, pull).",
    "init": "Scaffold a new project: settings, an example export, .gitignore, a CI workflow.",
    "platform": "Run and feed the local platform (an offline emulator of the AEP APIs).",
    "platform serve": "Run the local platform as an HTTP server.",
    "platform load": "Load profiles, events, memberships, segments and merge policies from JSON lines.",
    "platform seed": "Generate a deterministic synthetic profile store.",
    "demo": "Run the whole loop on the local platform: seed, plan, apply --wait, status, download.",
}
