"""Building a client config must not load httpx (``--help``/``validate`` stay light)."""

from __future__ import annotations

import subprocess
import sys


def test_config_import_does_not_load_httpx() -> None:
    code = (
        "import sys\n"
        "from aep_exports.client import ClientConfig, ClientCredentials\n"
        "from aep_exports.client.models import ExportJob\n"
        "ClientConfig('http://x', 'o', 's', ClientCredentials('id', 'secret'))\n"
        "assert 'httpx' not in sys.modules, 'httpx imported'\n"
        "from aep_exports.client import connect\n"
        "assert 'httpx' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_secret_holders_do_not_show_secrets() -> None:
    from aep_exports.client import ClientConfig, ClientCredentials, Secret, StaticToken

    creds = ClientCredentials("the-client-id", "the-client-secret", "a,b")
    static = StaticToken("the-access-token", "the-api-key")
    for obj in (creds, static, ClientConfig("http://x", "o", "s", creds), Secret("the-client-secret")):
        text = f"{obj!r} {obj} {obj!s:>10}"
        for secret in ("the-client-id", "the-client-secret", "the-access-token", "the-api-key"):
            assert secret not in text
    assert creds.scopes == ("a", "b") and creds.client_secret.reveal() == "the-client-secret"
