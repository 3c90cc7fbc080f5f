"""Reconciliation steps that read the platform through the client: refresh (apply lives in ``apply``)."""
