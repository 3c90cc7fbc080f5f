"""An unreachable host is named: the IMS when no token can be fetched, the platform when its API cannot."""

from __future__ import annotations

import socket

from support.platform import PlatformServer
from support.projects import Project, ProjectFactory


def _closed_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"  # nothing listens there once the probe is closed


def _fail_fast(project: Project) -> None:
    with (project.root / "aep-exports.yaml").open("a") as settings:
        settings.write("deadline: 2s\n")  # give up on a closed port after a few retries


def _error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(("Error:", "Hint:"))]


def test_an_unreachable_ims_is_named_not_the_platform(
    make_project: ProjectFactory, platform_server: PlatformServer
) -> None:
    project = make_project(platform=platform_server)
    _fail_fast(project)
    ims = _closed_url()
    result = project.cli("plan", env={"AEP_IMS_URL": ims})
    assert result.exit_code == 1, result.output
    shown = "\n".join(_error_lines(result.output))
    assert "IMS" in shown and ims.removeprefix("http://") in shown, shown
    assert f"check that the IMS at {ims} (AEP_IMS_URL) is reachable" in shown, shown
    assert str(platform_server).removeprefix("http://") not in shown, shown


def test_an_unreachable_platform_is_named_not_the_ims(
    make_project: ProjectFactory, platform_server: PlatformServer
) -> None:
    project = make_project(platform=platform_server)  # the IMS is the server (AEP_IMS_URL)
    _fail_fast(project)
    platform = _closed_url()
    result = project.cli("--platform", platform, "plan")
    assert result.exit_code == 1, result.output
    shown = "\n".join(_error_lines(result.output))
    assert f"check that the platform at {platform} is reachable" in shown, shown
    assert "IMS" not in shown, shown
