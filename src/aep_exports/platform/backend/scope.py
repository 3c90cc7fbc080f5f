"""Who is calling, and which org and sandbox every resource of the call lives in."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Caller:
    """An authenticated API call: the client, its org and the sandbox named by ``x-sandbox-name``."""

    client_id: str
    org_id: str
    sandbox: str

    @property
    def user(self) -> str:
        """The technical-account user the platform records as creator."""
        return f"{self.client_id}@AdobeID"
