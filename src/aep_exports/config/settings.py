"""Project settings: ``aep-exports.yaml``, then the environment, then command-line flags.

Secrets (client secret, access token, API key) come only from the environment and are held as
``SecretStr``; a secret-looking key in the settings file is refused without echoing its value.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    StrictInt,
    ValidationError,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from aep_exports import __version__
from aep_exports.config.problems import InvalidConfigError, NodePath, Problem, format_path, short_repr
from aep_exports.config.project_root import SETTINGS_FILE
from aep_exports.config.validation import to_problem
from aep_exports.config.values import Seconds, SecondsOrZero, check_single_line
from aep_exports.config.yaml_loader import YamlDocument, load_yaml_file
from aep_exports.redact import has_password, redact_url_credentials

DEFAULT_STATE = ".aep-exports/state/"
DEFAULT_IMS_URL = "https://ims-na1.adobelogin.com"
LOCAL = "local"

# Settings field → environment variable. The one place the environment is read (read_env).
ENV_VARS: dict[str, str] = {
    "platform": "AEP_PLATFORM",
    "sandbox": "AEP_SANDBOX_NAME",
    "org": "AEP_ORG_ID",
    "client_id": "AEP_CLIENT_ID",
    "client_secret": "AEP_CLIENT_SECRET",
    "scopes": "AEP_SCOPES",
    "access_token": "AEP_ACCESS_TOKEN",
    "api_key": "AEP_API_KEY",
    "ims_url": "AEP_IMS_URL",
    "state": "AEP_STATE_URL",
    "allow_file_state_in_ci": "AEP_ALLOW_FILE_STATE_IN_CI",
}
# Set to a true value by CI services (GitHub Actions, GitLab CI, CircleCI, ...): see ``in_ci``.
CI_VAR = "CI"
FLAGS: dict[str, str] = {"platform": "--platform", "sandbox": "--sandbox", "project_dir": "--project"}
_SECRET_WORDS = ("secret", "token", "password", "passwd", "api_key", "apikey", "private_key", "credential")
_SECRET_ENV = {
    "client_secret": "AEP_CLIENT_SECRET",
    "clientsecret": "AEP_CLIENT_SECRET",
    "secret": "AEP_CLIENT_SECRET",
    "access_token": "AEP_ACCESS_TOKEN",
    "accesstoken": "AEP_ACCESS_TOKEN",
    "token": "AEP_ACCESS_TOKEN",
    "api_key": "AEP_API_KEY",
    "apikey": "AEP_API_KEY",
}
_SETTINGS_HINT = "Run `aep-exports schema settings` for the settings format; secrets go in the environment."
_URL = re.compile(r"^https?://[A-Za-z0-9.-]+(?::\d+)?(?:/[^\s]*)?$")
_SANDBOX = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
# libpq's key=value form starts with a keyword and '=' (``host=db dbname=exports``).
_DSN_START = re.compile(r"^\s*[A-Za-z_]+\s*=")
DATABASE_SCHEMES = ("postgresql://", "postgres://")


def is_database_location(location: str) -> bool:
    """True when a ``state`` value names a PostgreSQL database (a URL or a key=value string)."""
    return location.strip().lower().startswith(DATABASE_SCHEMES) or bool(_DSN_START.match(location))


def _url_problem(value: str) -> str | None:
    """Why ``value`` is not a usable http(s) base URL, with any user info masked; None when it is."""
    if "@" in value.split("?", 1)[0] and "://" in value:
        return (
            f"{short_repr(redact_url_credentials(value))} holds user info (user:password@); "
            "credentials go in the environment (AEP_CLIENT_ID/AEP_CLIENT_SECRET), never in a URL"
        )
    if _URL.match(value):
        return None
    return f"{short_repr(redact_url_credentials(value))} is not an http(s) URL"


def _check_platform(value: str) -> str:
    if value == LOCAL:
        return value
    problem = _url_problem(value)
    if problem is None:
        return value.rstrip("/")
    if problem.endswith("is not an http(s) URL"):
        problem = problem.replace(
            "is not an http(s) URL",
            "is neither 'local' nor an http(s) base URL such as 'https://platform.adobe.io'",
        )
    raise PydanticCustomError("platform", "{problem}", {"problem": problem})


def _check_url(value: str) -> str:
    problem = _url_problem(value)
    if problem is None:
        return value.rstrip("/")
    raise PydanticCustomError("url", "{problem}", {"problem": problem})


def _check_required_version(value: str) -> str:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        wanted = SpecifierSet(value)
    except InvalidSpecifier:
        raise PydanticCustomError(
            "version",
            "{value} is not a version constraint (e.g. '>=0.2,<0.3' or '~=0.2.1')",
            {"value": short_repr(value)},
        ) from None
    if __version__ not in wanted:
        raise PydanticCustomError(
            "version",
            "this project requires aep-exports {wanted}, but this is aep-exports {version}: "
            "install a matching version (pip install 'aep-exports{wanted}')",
            {"wanted": str(wanted), "version": __version__},
        )
    return value


def _check_sandbox(value: str) -> str:
    if _SANDBOX.match(value):
        return value
    raise PydanticCustomError(
        "sandbox",
        "{value} is not a sandbox name (lowercase letters, digits and '-')",
        {"value": short_repr(value)},
    )


def _split_scopes(value: Any) -> Any:
    if isinstance(value, str):
        return [scope.strip() for scope in value.split(",") if scope.strip()]
    return value


PlatformName = Annotated[
    str,
    AfterValidator(_check_platform),
    WithJsonSchema({"type": "string", "examples": ["local", "https://platform.adobe.io"]}),
]
SandboxName = Annotated[
    str, AfterValidator(_check_sandbox), WithJsonSchema({"type": "string", "pattern": _SANDBOX.pattern})
]
HttpUrl = Annotated[str, AfterValidator(_check_url), WithJsonSchema({"type": "string", "format": "uri"})]
OneLine = Annotated[str, AfterValidator(check_single_line)]
VersionConstraint = Annotated[
    str,
    AfterValidator(_check_required_version),
    WithJsonSchema({"type": "string", "examples": [">=0.1.0,<0.2", "~=0.1.0"]}),
]
Scopes = Annotated[
    tuple[str, ...],
    BeforeValidator(_split_scopes),
    WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}),
]


class SettingsFile(BaseModel):
    """What ``aep-exports.yaml`` may hold (the JSON Schema of ``schemas/settings.schema.json``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    required_version: VersionConstraint | None = Field(
        default=None,
        description="Versions of aep-exports this project works with (PEP 440, e.g. '>=0.1.0,<0.2'); "
        "every command refuses to run under another version.",
    )
    platform: PlatformName = Field(default=LOCAL, description="'local' (embedded emulator) or a base URL.")
    sandbox: SandboxName = "prod"
    org: OneLine | None = Field(
        default=None, min_length=1, description="IMS organisation id (…@AdobeOrg); local uses its dev org."
    )
    state: OneLine = Field(
        default=DEFAULT_STATE,
        min_length=1,
        description="Where state lives: a directory (relative to the project), or a PostgreSQL URL or "
        "key=value connection string without a password (AEP_STATE_URL or a password file holds it).",
    )
    parallelism: StrictInt = Field(default=8, ge=1, le=64, description="Concurrent platform requests.")
    request_timeout: Seconds = Field(default=30.0, description="Per HTTP request: '30s', or seconds.")
    deadline: Seconds = Field(default=600.0, description="One operation, retries included: '10m' or seconds.")
    lock_timeout: SecondsOrZero = Field(
        default=0.0, description="How long to wait for the state lock: '2m', or seconds (0: fail at once)."
    )
    client_id: OneLine | None = Field(
        default=None, min_length=1, description="OAuth client id (not a secret)."
    )
    scopes: Scopes = Field(default=(), description="OAuth scopes, list or comma string.")
    ims_url: HttpUrl = DEFAULT_IMS_URL
    allow_file_state_in_ci: bool = Field(
        default=False,
        description="Let writing commands use a file state when CI=true (default: refused, as a state "
        "file restored from a CI cache goes stale between a pull request's plan and the apply on merge). "
        "Only for a runner whose disk holds the one copy of the state. Also AEP_ALLOW_FILE_STATE_IN_CI=1.",
    )


class Settings(SettingsFile):
    """Effective settings: file, then environment, then flags. Secrets only from the environment."""

    project_dir: Path
    client_secret: SecretStr | None = None
    access_token: SecretStr | None = None
    api_key: str | None = Field(default=None, repr=False, description="x-api-key; defaults to client_id.")
    in_ci: bool = Field(default=False, description="Running in CI: the environment has CI=true.")

    @property
    def effective_api_key(self) -> str | None:
        """The ``x-api-key`` header value: AEP_API_KEY, else the client id."""
        return self.api_key or self.client_id

    @property
    def is_local(self) -> bool:
        """True for the embedded local platform."""
        return self.platform == LOCAL

    @property
    def base_url(self) -> str | None:
        """The platform base URL, or None for ``local``."""
        return None if self.is_local else self.platform

    @property
    def state_is_url(self) -> bool:
        """True when ``state`` names a database (``postgresql://…`` or ``host=… dbname=…``)."""
        return is_database_location(self.state)

    @property
    def state_dir(self) -> Path | None:
        """Absolute state directory for file-based state (relative paths are under the project)."""
        if self.state_is_url:
            return None
        return (self.project_dir / Path(self.state.removeprefix("file://")).expanduser()).resolve()

    @property
    def state_location(self) -> str:
        """The state URL (any password masked), or the absolute state directory."""
        directory = self.state_dir
        return redact_url_credentials(self.state, keep_user=True) if directory is None else str(directory)

    def public_view(self) -> dict[str, Any]:
        """Settings for display: secrets shown only as set/unset."""
        view = self.model_dump(mode="json", exclude={"client_secret", "access_token", "api_key"})
        for name in ("client_secret", "access_token", "api_key"):
            view[name] = "(set)" if getattr(self, name) is not None else None
        view["project_dir"] = str(self.project_dir)
        view["state_location"] = self.state_location
        return view


def read_env(environ: Mapping[str, str] | None = None) -> dict[str, tuple[str, str]]:
    """Settings given by the environment: ``{field: (variable, value)}``; empty variables are unset."""
    source = os.environ if environ is None else environ
    return {name: (var, source[var]) for name, var in ENV_VARS.items() if source.get(var, "").strip()}


def in_ci(environ: Mapping[str, str] | None = None) -> bool:
    """True when ``CI`` is set to a true value (``true``, ``1``, ``yes``), as CI services set it."""
    source = os.environ if environ is None else environ
    return source.get(CI_VAR, "").strip().lower() in ("true", "1", "yes")


def load_settings(
    project_dir: Path, overrides: Mapping[str, Any] | None = None, *, environ: Mapping[str, str] | None = None
) -> Settings:
    """Settings of the project at ``project_dir``; raises ConfigError listing every problem."""
    project_dir = Path(project_dir).expanduser().resolve()
    file_values, problems = _read_settings_file(project_dir)
    if problems:
        raise InvalidConfigError(problems, hint=_SETTINGS_HINT)
    origins: dict[str, str] = {}
    merged: dict[str, Any] = dict(file_values)
    for name, (var, value) in read_env(environ).items():
        merged[name] = value
        origins[name] = f"environment variable {var}"
    for name, value in (overrides or {}).items():
        if value is not None and name != "project_dir":
            merged[name] = value
            origins[name] = f"option {FLAGS.get(name, name)}"
    merged["project_dir"] = project_dir
    merged["in_ci"] = in_ci(environ)
    try:
        return Settings.model_validate(merged)
    except ValidationError as exc:  # report where each bad value came from
        document = YamlDocument(file=SETTINGS_FILE, data=None)
        located = []
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else ""
            problem = to_problem(Settings, document, (), error)
            origin = origins.get(field, SETTINGS_FILE)
            located.append(Problem(origin, 0, 0, problem.path, problem.message))
        raise InvalidConfigError(located, hint=None) from None


def _read_settings_file(project_dir: Path) -> tuple[dict[str, Any], list[Problem]]:
    path = project_dir / SETTINGS_FILE
    if not path.is_file():
        return {}, []
    document, problems = load_yaml_file(path, SETTINGS_FILE)
    if problems:
        return {}, problems
    data = {} if document.data is None else document.data
    if not isinstance(data, dict):
        return {}, [document.problem((), "the settings file must be a mapping of setting: value")]
    secrets = list(_secret_problems(document, data, ()))
    state = data.get("state")
    if isinstance(state, str) and has_password(state):
        secrets.append(
            document.problem(
                ("state",),
                "a database password is never read from aep-exports.yaml: remove it from this URL and "
                "set the whole URL in AEP_STATE_URL in the environment, or keep the password in a "
                "password file (~/.pgpass, or the file PGPASSFILE names)",
            )
        )
    if secrets:
        return {}, secrets
    try:
        SettingsFile.model_validate(data)
    except ValidationError as exc:
        return {}, sorted(to_problem(SettingsFile, document, (), error) for error in exc.errors())
    return data, []


def _secret_problems(document: YamlDocument, data: Any, path: NodePath) -> list[Problem]:
    """Secret-looking keys anywhere in the file; the value is never part of the message."""
    found: list[Problem] = []
    if isinstance(data, dict):
        for key, value in data.items():
            normalized = re.sub(r"[^a-z0-9]+", "_", str(key).lower())
            if any(word in normalized for word in _SECRET_WORDS):
                var = _SECRET_ENV.get(normalized)
                where = f"set {var}" if var else "use AEP_CLIENT_SECRET, AEP_ACCESS_TOKEN or AEP_API_KEY"
                found.append(
                    document.problem(
                        (*path, key),
                        f"secrets are never read from {SETTINGS_FILE}: remove this line and {where} "
                        "in the environment instead",
                        of_key=True,
                        shown=format_path((*path, key)),
                    )
                )
            else:
                found.extend(_secret_problems(document, value, (*path, key)))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            found.extend(_secret_problems(document, item, (*path, index)))
    return found
