"""Configuration: the settings file, the declaration files under ``exports/``, and their models.

Knows nothing of HTTP. Imports only the standard library, pydantic, PyYAML and croniter.
"""
