"""The thin HTTP layer: routes parse a request, call the backend and serialise its answer."""
