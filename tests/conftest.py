"""Every test gets the shared support of ``tests/support`` (importable as ``support``, see pyproject).

- ``support.environment``: an autouse fixture, so no test sees the caller's AEP_* settings;
- ``support.platform``: the local platform in-process and as a uvicorn server on 127.0.0.1;
- ``support.projects``: ``Project``, a project directory with its platform, CLI and state.
"""

pytest_plugins = ["support.environment", "support.platform", "support.projects"]
