"""Settings: file, then environment, then flags; secrets only from the environment, never echoed."""

from __future__ import annotations

from pathlib import Path

import pytest

from aep_exports.config.settings import DEFAULT_IMS_URL, load_settings, read_env
from aep_exports.errors import ConfigError

SECRET = "p8e-S3CR3T-never-print-me"


def settings_file(project: Path, text: str) -> None:
    (project / "aep-exports.yaml").write_text(text, encoding="utf-8")


def test_defaults_without_a_file(project: Path) -> None:
    settings = load_settings(project, {}, environ={})
    assert (settings.platform, settings.sandbox, settings.org, settings.parallelism) == (
        "local",
        "prod",
        None,
        8,
    )
    assert settings.is_local and settings.base_url is None
    assert settings.project_dir == project.resolve()
    assert settings.state_dir == project.resolve() / ".aep-exports" / "state"
    assert settings.ims_url == DEFAULT_IMS_URL
    assert settings.client_secret is None and settings.access_token is None


def test_precedence_file_then_env_then_flags(project: Path) -> None:
    settings_file(
        project, "platform: https://platform.adobe.io/\nsandbox: dev\norg: FILE@AdobeOrg\nparallelism: 3\n"
    )
    from_file = load_settings(project, {}, environ={})
    assert (from_file.platform, from_file.sandbox, from_file.org) == (
        "https://platform.adobe.io",
        "dev",
        "FILE@AdobeOrg",
    )
    env = {"AEP_SANDBOX_NAME": "staging", "AEP_ORG_ID": "ENV@AdobeOrg", "AEP_PLATFORM": "local"}
    from_env = load_settings(project, {}, environ=env)
    assert (from_env.platform, from_env.sandbox, from_env.org, from_env.parallelism) == (
        "local",
        "staging",
        "ENV@AdobeOrg",
        3,
    )
    from_flags = load_settings(project, {"sandbox": "qa", "platform": "http://127.0.0.1:8080"}, environ=env)
    assert (from_flags.sandbox, from_flags.platform, from_flags.org) == (
        "qa",
        "http://127.0.0.1:8080",
        "ENV@AdobeOrg",
    )
    assert from_flags.base_url == "http://127.0.0.1:8080"


def test_empty_environment_variables_count_as_unset(project: Path) -> None:
    settings_file(project, "sandbox: dev\n")
    assert load_settings(project, {}, environ={"AEP_SANDBOX_NAME": ""}).sandbox == "dev"
    assert read_env({"AEP_SANDBOX_NAME": "  ", "AEP_ORG_ID": "X@AdobeOrg"}) == {
        "org": ("AEP_ORG_ID", "X@AdobeOrg")
    }


def test_state_url_overrides_state_and_paths_are_project_relative(project: Path) -> None:
    settings_file(project, "state: build/state\n")
    assert load_settings(project, {}, environ={}).state_location == str(project.resolve() / "build" / "state")
    url = "postgresql://aep@127.0.0.1:5432/aep"
    settings = load_settings(project, {}, environ={"AEP_STATE_URL": url})
    assert settings.state_location == url and settings.state_dir is None and settings.state_is_url


def test_secrets_come_from_the_environment_and_never_show(project: Path) -> None:
    env = {
        "AEP_CLIENT_ID": "client-1",
        "AEP_CLIENT_SECRET": SECRET,
        "AEP_ACCESS_TOKEN": SECRET + "-token",
        "AEP_SCOPES": "openid, AdobeID,read_organizations",
    }
    settings = load_settings(project, {}, environ=env)
    assert settings.client_secret is not None and settings.client_secret.get_secret_value() == SECRET
    assert settings.scopes == ("openid", "AdobeID", "read_organizations")
    assert settings.effective_api_key == "client-1"
    for text in (repr(settings), str(settings), str(settings.public_view()), settings.model_dump_json()):
        assert SECRET not in text
    assert settings.public_view()["client_secret"] == "(set)"


@pytest.mark.parametrize(
    ("text", "line", "path"),
    [
        (f"client_secret: {SECRET}\n", 1, "client_secret"),
        (f"sandbox: prod\naccess_token: '{SECRET}'\n", 2, "access_token"),
        (f"sandbox: prod\noauth:\n  password: {SECRET}\n", 3, "oauth.password"),
        (f"apiKey: {SECRET}\n", 1, "apiKey"),
        (f"token: |\n  {SECRET}\n", 1, "token"),
    ],
)
def test_secret_in_the_file_is_refused_without_echo(project: Path, text: str, line: int, path: str) -> None:
    settings_file(project, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(project, {}, environ={})
    message = f"{caught.value.message}\n{caught.value.hint}"
    assert SECRET not in message
    assert caught.value.problems[0].startswith(f"aep-exports.yaml:{line}:")
    assert f": {path}: secrets are never read from aep-exports.yaml" in caught.value.problems[0]


def test_bad_environment_value_names_the_variable(project: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(project, {}, environ={"AEP_PLATFORM": "ftp://nope"})
    assert caught.value.problems == [
        "environment variable AEP_PLATFORM: platform: 'ftp://nope' is neither 'local' nor an http(s) "
        "base URL such as 'https://platform.adobe.io'"
    ]


def test_bad_flag_value_names_the_option(project: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(project, {"sandbox": "Not Valid"}, environ={})
    assert caught.value.problems[0].startswith("option --sandbox: sandbox: 'Not Valid' is not a sandbox name")


def test_settings_problems_are_all_reported(project: Path) -> None:
    settings_file(project, "sandbox: Prod\nparalelism: 3\nrequest_timeout: -1\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(project, {}, environ={})
    assert caught.value.problems == [
        "aep-exports.yaml:1:10: sandbox: 'Prod' is not a sandbox name (lowercase letters, digits and '-')",
        "aep-exports.yaml:2:1: paralelism: unknown key 'paralelism' (did you mean 'parallelism'?)",
        "aep-exports.yaml:3:18: request_timeout: -1 is negative: a duration is 0 or more",
    ]
