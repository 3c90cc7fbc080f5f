"""Every header check of the gateway answers its documented status and body; IMS issues expiring tokens."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from aep_exports.platform.credentials import DEV_API_KEY, DEV_CLIENT_ID, DEV_CLIENT_SECRET, DEV_ORG_ID

DATASETS = "/data/foundation/catalog/dataSets"
OTHER = "other-client:other-secret:OTHERORG00000000000000@AdobeOrg"


@pytest.fixture
def client(make_platform_app: Callable[..., Any], sync_asgi_transport: Any) -> httpx.Client:
    app = make_platform_app(clients=[OTHER])
    client = httpx.Client(transport=sync_asgi_transport(app), base_url="http://local-platform")
    client.platform = app.platform  # type: ignore[attr-defined]
    return client


def _token(client: httpx.Client, client_id: str = DEV_CLIENT_ID, secret: str = DEV_CLIENT_SECRET) -> str:
    response = client.post(
        "/ims/token/v3",
        data={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": secret,
            "scope": "openid,AdobeID",
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 86399
    return str(body["access_token"])


def _headers(token: str, **overrides: str | None) -> dict[str, str]:
    headers = {
        "Authorization": f"Bearer {token}",
        "x-api-key": DEV_API_KEY,
        "x-gw-ims-org-id": DEV_ORG_ID,
        "x-sandbox-name": "prod",
    }
    for name, value in overrides.items():
        key = name.replace("_", "-") if name != "Authorization" else name
        if value is None:
            headers.pop(key, None)
        else:
            headers[key] = value
    return headers


@pytest.mark.parametrize(
    ("overrides", "status", "body"),
    [
        ({"Authorization": None}, 403, {"error_code": "403010", "message": "Oauth token is missing."}),
        (
            {"Authorization": "Bearer not-a-token"},
            401,
            {"error_code": "401013", "message": "Oauth token is not valid"},
        ),
        ({"x_api_key": None}, 403, {"error_code": "403000", "message": "Api Key is required"}),
        ({"x_api_key": "unknown-key"}, 403, {"error_code": "403003", "message": "Api Key is invalid"}),
        ({"x_gw_ims_org_id": None}, 400, {"error_code": "400003", "message": "Missing header"}),
        (
            {"x_gw_ims_org_id": "SOMEONEELSE@AdobeOrg"},
            403,
            {"error_code": "403025", "message": "Profile is not valid"},
        ),
    ],
)
def test_header_errors(
    client: httpx.Client, overrides: dict[str, str | None], status: int, body: dict[str, str]
) -> None:
    response = client.get(DATASETS, headers=_headers(_token(client), **overrides))
    assert response.status_code == status
    assert response.json() == body


def test_missing_sandbox_is_a_problem_document(client: httpx.Client) -> None:
    response = client.get(DATASETS, headers=_headers(_token(client), x_sandbox_name=None))
    assert response.status_code == 400
    body = response.json()
    assert body["title"] == "Missing sandbox" and body["status"] == 400 and "x-sandbox-name" in body["detail"]


@pytest.mark.parametrize("content_type", [None, "text/plain"])
def test_write_without_json_content_type(client: httpx.Client, content_type: str | None) -> None:
    headers = _headers(_token(client))
    if content_type:
        headers["Content-Type"] = content_type
    response = client.post(DATASETS, content=b'{"name": "x"}', headers=headers)
    assert response.status_code == 400
    assert response.json() == {
        "type": "/placeholder/type/uri",
        "status": 400,
        "title": "BadRequestError",
        "detail": "A valid content-type must be specified",
    }
    assert client.get(DATASETS, headers=_headers(_token(client))).json() == {}


def test_token_of_one_client_cannot_act_for_another_org(client: httpx.Client) -> None:
    other_token = _token(client, "other-client", "other-secret")
    as_dev_org = client.get(DATASETS, headers=_headers(other_token, x_api_key="other-client"))
    assert as_dev_org.status_code == 403 and as_dev_org.json()["error_code"] == "403025"
    with_dev_key = client.get(DATASETS, headers=_headers(other_token))
    assert with_dev_key.status_code == 401
    own = client.get(
        DATASETS,
        headers=_headers(
            other_token, x_api_key="other-client", x_gw_ims_org_id="OTHERORG00000000000000@AdobeOrg"
        ),
    )
    assert own.status_code == 200


def test_ims_client_id_in_query_and_bad_secrets(client: httpx.Client) -> None:
    query = client.post(
        "/ims/token/v3",
        params={"client_id": DEV_CLIENT_ID},
        data={"client_secret": DEV_CLIENT_SECRET, "grant_type": "client_credentials"},
    )
    assert query.status_code == 200
    bad_secret = client.post("/ims/token/v3", data={"client_id": DEV_CLIENT_ID, "client_secret": "wrong"})
    assert bad_secret.status_code == 401 and bad_secret.json()["error"] == "invalid_client"
    assert "wrong" not in bad_secret.text
    unknown = client.post("/ims/token/v3", data={"client_id": "nobody", "client_secret": "x"})
    assert unknown.status_code == 400 and unknown.json()["error"] == "invalid_client"
    grant = client.post(
        "/ims/token/v3",
        data={"client_id": DEV_CLIENT_ID, "client_secret": DEV_CLIENT_SECRET, "grant_type": "password"},
    )
    assert grant.status_code == 400 and grant.json()["error"] == "unsupported_grant_type"


def test_token_expires_mid_run(make_platform_app: Callable[..., Any], sync_asgi_transport: Any) -> None:
    app = make_platform_app(token_lifetime_s=0.3)
    client = httpx.Client(transport=sync_asgi_transport(app), base_url="http://local-platform")
    response = client.post(
        "/ims/token/v3", data={"client_id": DEV_CLIENT_ID, "client_secret": DEV_CLIENT_SECRET}
    )
    assert response.json()["expires_in"] == 0
    headers = _headers(response.json()["access_token"])
    assert client.get(DATASETS, headers=headers).status_code == 200
    time.sleep(0.35)
    expired = client.get(DATASETS, headers=headers)
    assert expired.status_code == 401 and expired.json()["error_code"] == "401013"
