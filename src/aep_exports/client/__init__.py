"""The platform client: the only reconciler package that talks HTTP.

``ClientConfig`` and the credential types import no HTTP library; ``connect``, ``PlatformClient`` and
``AsyncPlatformClient`` load httpx on first use, so ``--help`` and ``validate`` stay light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .config import ClientConfig, ClientCredentials, Secret, StaticToken
from .observe import ClientStats

if TYPE_CHECKING:
    from .async_client import AsyncPlatformClient
    from .ops_data import DownloadResult
    from .sync_client import PlatformClient, connect

__all__ = [
    "AsyncPlatformClient",
    "ClientConfig",
    "ClientCredentials",
    "ClientStats",
    "DownloadResult",
    "PlatformClient",
    "Secret",
    "StaticToken",
    "connect",
]

_LAZY = {
    "AsyncPlatformClient": "async_client",
    "DownloadResult": "ops_data",
    "PlatformClient": "sync_client",
    "connect": "sync_client",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'aep_exports.client' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"{__name__}.{module}"), name)
