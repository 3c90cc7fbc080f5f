"""What the tests share: fixtures (loaded by ``tests/conftest.py``) and helper modules.

- ``environment``: the autouse fixture that clears the settings' environment variables;
- ``platform``: the local platform in-process (``platform_app``) and as a server (``platform_server``);
- ``projects``: ``Project`` (write, seed, client, cli, state) and the ``make_project``/``project`` fixtures;
- ``declarations``: the YAML the integration tests declare, with the seed catalog's ids;
- ``plans``: builders of planner inputs (declarations, state, live snapshots) by hand;
- ``gantt_cases``: plan/state shapes the Mermaid timeline must draw (unit and browser tests);
- ``browser``: headless Chromium and mermaid-cli for the report tests;
- ``seed_samples``: the seed document's sample answers (the platform's answer-key tests);
- ``engine_reference``: the plain-Python export engine the real one is checked against.
"""
