"""How to reach the platform: base URL, identity, credentials and the call tunables.

Kept free of httpx so settings and the CLI can build a config without importing the transport.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_IMS_URL = "https://ims-na1.adobelogin.com"
IMS_TOKEN_PATH = "/ims/token/v3"


class Secret:
    """A string that never shows itself in repr/str/format; read it with ``reveal()``."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return "***"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __bool__(self) -> bool:
        return bool(self._value)


def _secret(value: str | Secret) -> Secret:
    return value if isinstance(value, Secret) else Secret(value)


@dataclass(frozen=True, repr=False)
class ClientCredentials:
    """OAuth server-to-server (IMS client credentials). The client id doubles as the API key."""

    client_id: str
    client_secret: Secret
    scopes: tuple[str, ...] = (
        "openid",
        "AdobeID",
        "read_organizations",
        "additional_info.projectedProductContext",
    )

    def __init__(
        self, client_id: str, client_secret: str | Secret, scopes: tuple[str, ...] | list[str] | str = ()
    ) -> None:
        if isinstance(scopes, str):
            scopes = tuple(s.strip() for s in scopes.split(",") if s.strip())
        object.__setattr__(self, "client_id", client_id)
        object.__setattr__(self, "client_secret", _secret(client_secret))
        object.__setattr__(self, "scopes", tuple(scopes) or ClientCredentials.scopes)

    @property
    def api_key(self) -> str:
        return self.client_id

    def __repr__(self) -> str:
        return f"ClientCredentials(client_id='***', client_secret='***', scopes={list(self.scopes)!r})"


@dataclass(frozen=True, repr=False)
class StaticToken:
    """A ready-made access token plus its API key (no refresh: a 401 is final)."""

    access_token: Secret
    api_key: Secret

    def __init__(self, access_token: str | Secret, api_key: str | Secret) -> None:
        object.__setattr__(self, "access_token", _secret(access_token))
        object.__setattr__(self, "api_key", _secret(api_key))

    def __repr__(self) -> str:
        return "StaticToken(access_token='***', api_key='***')"


Credentials = ClientCredentials | StaticToken


@dataclass(frozen=True)
class ClientConfig:
    """Everything the client needs; all tunables have defaults suited to the real Adobe APIs."""

    base_url: str
    org_id: str
    sandbox: str
    credentials: Credentials = field(repr=True)
    ims_url: str = DEFAULT_IMS_URL
    parallelism: int = 8
    request_timeout: float = 30.0
    retry_budget: int = 6
    deadline: float = 120.0
    backoff_base: float = 0.25
    backoff_cap: float = 20.0
    rate_increase: float = 2.0
    min_rate: float = 0.5
    token_refresh_margin: float = 300.0
    user_agent: str = "aep-exports"

    def __post_init__(self) -> None:
        if self.parallelism < 1:
            raise ValueError("parallelism must be at least 1")
        if self.retry_budget < 1:
            raise ValueError("retry_budget (max attempts per call) must be at least 1")
        if self.deadline <= 0 or self.request_timeout <= 0:
            raise ValueError("deadline and request_timeout must be positive")

    @property
    def token_url(self) -> str:
        return self.ims_url.rstrip("/") + IMS_TOKEN_PATH

    @property
    def api_key(self) -> str:
        creds = self.credentials
        return creds.api_key if isinstance(creds, ClientCredentials) else creds.api_key.reveal()

    def secrets(self) -> list[str]:
        """Every credential string that must never be shown (for redaction)."""
        creds = self.credentials
        if isinstance(creds, ClientCredentials):
            return [creds.client_secret.reveal(), creds.client_id]
        return [creds.access_token.reveal(), creds.api_key.reveal()]
