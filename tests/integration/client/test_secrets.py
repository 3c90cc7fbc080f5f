"""No client secret, token or API key in debug logs, error messages or reprs."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from aep_exports.client import ClientCredentials
from aep_exports.errors import ApiError, AuthError
from aep_exports.platform.credentials import DEV_API_KEY, DEV_CLIENT_ID, DEV_CLIENT_SECRET


def test_secrets_never_reach_logs_or_errors(target: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client = target.connect(retry_budget=3)
    ds_id = client.create_dataset(target.dataset_body())
    errors: list[ApiError] = []
    for call in (
        lambda: client.get_dataset("0" * 24),
        lambda: client.create_export_job({"destination": {"datasetId": "nope"}, "schema": {"name": "x"}}),
        lambda: client.cancel_export_job(123),
        # A secret in the path is redacted too.
        lambda: client.call(lambda c: c.get_segment_definition(DEV_CLIENT_SECRET)),
    ):
        with pytest.raises(ApiError) as info:
            call()
        errors.append(info.value)
    target.faults(error_rate=1.0)
    with pytest.raises(ApiError) as info:
        client.get_dataset(ds_id)
    errors.append(info.value)
    target.faults()

    wrong = target.connect(
        credentials=ClientCredentials(DEV_CLIENT_ID, "wrong-" + DEV_CLIENT_SECRET, "openid")
    )
    with pytest.raises(AuthError) as auth:
        wrong.list_datasets()
    errors.append(auth.value)

    token = client.call(lambda c: c.access_token())
    texts = [caplog.text, repr(client), repr(client.config), str(client.config.credentials)]
    for err in errors:
        texts += [str(err), repr(err), err.detail or "", err.title or "", err.path, err.hint or ""]
    blob = "\n".join(texts)
    assert "-> 404" in caplog.text and "attempt 1" in caplog.text and "retrying GET" in caplog.text
    for secret in (DEV_CLIENT_SECRET, token, DEV_API_KEY):
        assert secret not in blob
    assert "IMS token request" in str(auth.value)
