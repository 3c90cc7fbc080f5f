"""The one place that builds working parts from ``Settings``: client, state backend, org, clock.

Commands call these so that every command talks to the same platform and state the same way.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aep_exports.errors import ConfigError, UsageError

if TYPE_CHECKING:
    from aep_exports.client import PlatformClient
    from aep_exports.config.declarations import Declarations
    from aep_exports.config.settings import Settings
    from aep_exports.plan.desired import Desired
    from aep_exports.state.backend import StateBackend

NOW_ENV = "AEP_EXPORTS_NOW"
LOCAL_PLATFORM_DIR = Path(".aep-exports") / "local-platform"
# The in-process transport ignores the host; a recognisable one reads well in --debug lines.
LOCAL_BASE_URL = "http://local-platform.aep-exports"
# Schedules and windows add days to "now"; far beyond any real use, that arithmetic overflows.
LATEST_NOW = datetime(9000, 1, 1, tzinfo=UTC)


def local_data_dir(settings: Settings) -> Path:
    """Where the embedded local platform keeps its data for this project."""
    return Path(settings.project_dir) / LOCAL_PLATFORM_DIR


def known_org(settings: Settings) -> str | None:
    """The IMS org: the settings', else the local platform's dev org; None for Adobe without one."""
    if settings.org:
        return settings.org
    if settings.is_local:
        from aep_exports.platform.credentials import DEV_ORG_ID  # a constants-only module

        return DEV_ORG_ID
    return None


def resolve_org(settings: Settings) -> str:
    """:func:`known_org`, or a ConfigError when there is none."""
    org = known_org(settings)
    if org:
        return org
    raise ConfigError(
        ["no org id is configured for the platform"],
        hint="Set 'org' in aep-exports.yaml or the AEP_ORG_ID environment variable.",
    )


def _credentials(settings: Settings) -> Any:
    from aep_exports.client import ClientCredentials, StaticToken

    if settings.is_local:
        from aep_exports.platform.credentials import DEV_CLIENT_ID, DEV_CLIENT_SECRET

        return ClientCredentials(DEV_CLIENT_ID, DEV_CLIENT_SECRET)
    if settings.access_token is not None:
        api_key = settings.effective_api_key
        if not api_key:
            raise ConfigError(
                ["AEP_ACCESS_TOKEN is set but no API key"],
                hint="Set AEP_API_KEY (or AEP_CLIENT_ID, which doubles as the API key).",
            )
        return StaticToken(settings.access_token.get_secret_value(), api_key)
    if settings.client_id and settings.client_secret is not None:
        return ClientCredentials(
            settings.client_id, settings.client_secret.get_secret_value(), tuple(settings.scopes)
        )
    raise ConfigError(
        ["no platform credentials are set"],
        hint="Set AEP_CLIENT_ID and AEP_CLIENT_SECRET (OAuth server-to-server), or "
        "AEP_ACCESS_TOKEN and AEP_API_KEY, in the environment.",
    )


def open_client(settings: Settings, *, app: Any = None) -> PlatformClient:
    """A connected client: the in-process local platform for ``platform: local``, else the URL."""
    from aep_exports.client import ClientConfig, connect

    if settings.is_local:
        if app is None:
            from aep_exports.extras import require_extra

            require_extra("local", "the local platform (platform: local)")
            from aep_exports.platform.app import create_app

            data_dir = local_data_dir(settings)
            data_dir.mkdir(parents=True, exist_ok=True)
            app = create_app(data_dir, in_process=True)
        base_url, ims_url = LOCAL_BASE_URL, LOCAL_BASE_URL
    else:
        base_url, ims_url = str(settings.base_url), str(settings.ims_url)
    config = ClientConfig(
        base_url=base_url.rstrip("/"),
        org_id=resolve_org(settings),
        sandbox=settings.sandbox,
        credentials=_credentials(settings),
        ims_url=ims_url.rstrip("/"),
        parallelism=settings.parallelism,
        request_timeout=settings.request_timeout,
        deadline=settings.deadline,
    )
    return connect(config, app=app)


def open_state(settings: Settings) -> StateBackend:
    """The state backend for the settings' org and sandbox."""
    from aep_exports.state.backend import open_backend

    return open_backend(settings, org=resolve_org(settings))


def load_declared(settings: Settings) -> tuple[Declarations, Desired]:
    """The declarations for the settings' sandbox, and the planner's view of them."""
    from aep_exports.config.loader import load_declarations
    from aep_exports.plan.desired import desired_from_declarations

    declarations = load_declarations(Path(settings.project_dir), settings.sandbox)
    return declarations, desired_from_declarations(declarations)


def parse_now(text: str, *, source: str = "--now") -> datetime:
    """An RFC 3339 instant with a time zone (the YAML's own rule), as aware UTC; UsageError otherwise."""
    from aep_exports.config.values import parse_rfc3339

    try:
        moment = parse_rfc3339(text)
    except ValueError as exc:
        raise UsageError(f"{source}: {exc}") from None
    if moment >= LATEST_NOW:
        raise UsageError(f"{source}: {text!r} is too far in the future (give an instant before "
                         f"{LATEST_NOW.year})")
    return moment.astimezone(UTC)


def now_from(option: datetime | str | None) -> datetime | None:
    """The injected clock: ``--now``, else ``AEP_EXPORTS_NOW``, else None (use the platform's/real time)."""
    if isinstance(option, datetime):
        return option
    if option:
        return parse_now(option)
    env = os.environ.get(NOW_ENV, "").strip()
    return parse_now(env, source=NOW_ENV) if env else None


def read_only_now(settings: Settings, client: PlatformClient, now: datetime | None) -> datetime:
    """The instant a read-only command (``plan``, ``drift``, ``status``) plans for; changes nothing.

    ``--now`` is a pure what-if: the platform is read as it is and the plan is made for that instant.
    Without it: the local platform's own clock (tests and ``platform clock`` may have moved it), elsewhere
    the real time.
    """
    if now is not None:
        return now
    return client.local_admin.clock() if settings.is_local else datetime.now(UTC)


def reading_now(settings: Settings, now: datetime | None) -> datetime:
    """The instant a command that reads only the state (``status``, ``report``) reports at; changes nothing.

    The same instant ``plan`` uses (:func:`read_only_now`): ``--now``/``AEP_EXPORTS_NOW``, else the
    embedded local platform's clock (``platform clock set`` may have moved it), elsewhere the real time.
    """
    if now is not None:
        return now
    if not settings.is_local:
        return datetime.now(UTC).replace(microsecond=0)
    with open_client(settings) as client:
        return read_only_now(settings, client, None)


def agree_on_now(settings: Settings, client: PlatformClient, now: datetime | None) -> datetime:
    """The instant a writing command (``apply``, ``refresh``) acts at, with the local platform agreeing.

    With ``--now`` on the local platform, its clock is first set to that instant (jobs advance by it), so
    that what apply records matches the platform's view of that instant; ``plan --now`` never does this
    (``aep-exports platform clock`` moves the clock explicitly). Without ``--now``, the local platform's
    own clock is used. Elsewhere: ``now`` or the real time.
    """
    if not settings.is_local:
        return now or datetime.now(UTC)
    admin = client.local_admin
    if now is not None:
        admin.set_clock(now)
        return now
    return admin.clock()
