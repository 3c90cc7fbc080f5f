"""The fixed part of the synthetic store: datasets, merge policies, segments, value lists."""

from __future__ import annotations

from datetime import datetime
from typing import Any

# The seed document's request uses these ids, so it runs as written against a seeded store.
SEED_POLICY_ID = "e5bc94de-cd14-4cdf-a2bc-88b6e8cbfac2"
PRECEDENCE_POLICY_ID = "0bf16e61-90e9-4204-b8fa-ad250360957b"
AAM_SEGMENT_ID = "4edc8488-2c35-4f6d-b4c6-9075c68d2df4"
UPS_SEGMENT_ID = "1rfe8422-334d-12f4-3sd4-12cf6g990g51"

CRM_DATASET = "5c8c3c555033b814b69f947f"
LOYALTY_DATASET = "5d0b1f6e2a3c4e0014a1b2c3"

# Fixed so that two seeds with the same arguments are identical; memberships qualify over the
# 90 days before it, which covers the seed request's window (2019-09-01 .. 2019-09-02).
DEFAULT_BASE_TIME = datetime(2019, 10, 1)

PROFILE_SCHEMA = {"name": "_xdm.context.profile"}

MERGE_POLICIES: list[dict[str, Any]] = [
    {
        "id": SEED_POLICY_ID,
        "name": "Timestamp ordered (default)",
        "version": 1,
        "schema": PROFILE_SCHEMA,
        "attributeMerge": {"type": "timestampOrdered"},
        "identityGraph": {"type": "pdg"},
        "default": True,
    },
    {
        "id": PRECEDENCE_POLICY_ID,
        "name": "Loyalty data first",
        "version": 1,
        "schema": PROFILE_SCHEMA,
        "attributeMerge": {"type": "dataSetPrecedence", "order": [LOYALTY_DATASET, CRM_DATASET]},
        "identityGraph": {"type": "none"},
        "default": False,
    },
]


def _pql(value: str) -> dict[str, str]:
    return {"type": "PQL", "format": "pql/text", "value": value}


# (definition, share of profiles that hold a membership). Shares are per mille.
SEGMENTS: list[tuple[dict[str, Any], int]] = [
    (
        {
            "id": AAM_SEGMENT_ID,
            "name": "Audience Manager: frequent visitors",
            "namespace": "AAM",
            "mergePolicyId": SEED_POLICY_ID,
            "expression": _pql("select X from xEvent where X.count() > 3"),
        },
        300,
    ),
    (
        {
            "id": UPS_SEGMENT_ID,
            "name": "Lapsed customers",
            "namespace": "ups",
            "mergePolicyId": SEED_POLICY_ID,
            "expression": _pql('not(xEvent.any(X.eventType = "commerce.purchases"))'),
        },
        200,
    ),
    (
        {
            "id": "9a1c3f0e-7b52-4d1e-8c7a-2f6b5e4d3c21",
            "name": "Gold and platinum loyalty members",
            "namespace": "ups",
            "mergePolicyId": PRECEDENCE_POLICY_ID,
            "expression": _pql('loyalty.tier in ["gold", "platinum"]'),
        },
        150,
    ),
    (
        {
            "id": "c3d2e1f0-1a2b-4c3d-9e8f-7a6b5c4d3e2f",
            "name": "Newsletter subscribers",
            "namespace": "ups",
            "mergePolicyId": SEED_POLICY_ID,
            "expression": _pql("personalEmail.address.isNotNull()"),
        },
        400,
    ),
    (
        {
            "id": "7f6e5d4c-3b2a-4190-8a7b-6c5d4e3f2a1b",
            "name": "Audience Manager: in-market travellers",
            "namespace": "AAM",
            "mergePolicyId": SEED_POLICY_ID,
            "expression": _pql("true"),
        },
        100,
    ),
]

FIRST_NAMES = [
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "Camille",
    "Lucas",
    "Emma",
    "Hugo",
    "Chloe",
    "Louis",
    "Yuki",
    "Aarav",
    "Sofia",
    "Mateo",
    "Amara",
    "Noah",
    "Olivia",
    "Liam",
]
LAST_NAMES = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Tanaka",
    "Sharma",
    "Rossi",
    "Silva",
    "Nguyen",
    "Kim",
]
CITIES = [
    ("Paris", "FR", "75001"),
    ("Lyon", "FR", "69001"),
    ("London", "GB", "EC1A 1BB"),
    ("New York", "US", "10001"),
    ("San Jose", "US", "95110"),
    ("Berlin", "DE", "10115"),
    ("Tokyo", "JP", "100-0001"),
    ("Sydney", "AU", "2000"),
    ("Toronto", "CA", "M5H 2N2"),
    ("Madrid", "ES", "28001"),
    ("Milan", "IT", "20121"),
    ("Bangalore", "IN", "560001"),
]
TIERS = ["bronze", "silver", "gold", "platinum"]
BROWSERS = [
    ("Chrome", ["118.0", "119.0", "120.0"]),
    ("Safari", ["16.6", "17.1"]),
    ("Firefox", ["119.0", "120.0"]),
    ("Edge", ["119.0", "120.0"]),
]
EVENT_TYPES = [
    "web.webpagedetails.pageViews",
    "commerce.productViews",
    "commerce.productListAdds",
    "commerce.purchases",
]
PAGES = ["home", "search", "product", "cart", "checkout", "account"]
