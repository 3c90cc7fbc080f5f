"""State: what aep-exports remembers per org and sandbox (see ``model`` and ``backend``)."""
