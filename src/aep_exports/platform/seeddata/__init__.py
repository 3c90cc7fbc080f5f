"""Deterministic synthetic profile data for the local platform (``platform seed``)."""

from aep_exports.platform.seeddata.catalog import (
    CRM_DATASET,
    DEFAULT_BASE_TIME,
    LOYALTY_DATASET,
    MERGE_POLICIES,
    SEGMENTS,
)
from aep_exports.platform.seeddata.generator import SeedReport, generate

__all__ = [
    "CRM_DATASET",
    "DEFAULT_BASE_TIME",
    "LOYALTY_DATASET",
    "MERGE_POLICIES",
    "SEGMENTS",
    "SeedReport",
    "generate",
]
