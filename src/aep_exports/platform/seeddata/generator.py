"""Generate a synthetic profile store entirely in DuckDB SQL (no per-row Python).

Randomness is ``hash(i, k, seed)``: the same (profiles, seed, base time) always give the same
store. Every profile ``i`` has a primary identity (Email 60 %, ECID 25 %, CRMID 15 %), a CRM
fragment, half of them a loyalty fragment (a third of which also carries a different city, so
merge policies matter), memberships in the catalog's segments, and 0-4 web events; 3 % are
"empty profiles" (ECID, 1-4 events, no fragment).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aep_exports.platform.seeddata import catalog
from aep_exports.platform.store.schema import DATA_TABLES, FORMAT_VERSION, set_meta, transaction
from aep_exports.platform.store.structure import refresh_structures

if TYPE_CHECKING:
    from aep_exports.platform.store.profile_store import ProfileStore

DAY_US = 86_400_000_000


@dataclass(frozen=True)
class SeedReport:
    """What one ``seed`` call generated."""

    profiles: int
    empty_profiles: int
    fragments: int
    events: int
    memberships: int
    segment_definitions: int
    merge_policies: int
    seed: int
    base_time: datetime
    elapsed_ms: int = 0


def _list(values: list[str]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _macros(seed: int, base: datetime) -> list[str]:
    return [
        f"CREATE OR REPLACE TEMP MACRO rnd(i, k) AS (hash(i, k, {int(seed)}) % 1000000)::BIGINT",
        f"CREATE OR REPLACE TEMP MACRO pick(xs, i, k) AS xs[1 + (hash(i, k, {int(seed)}) % len(xs))::BIGINT]",
        # A time `days` days or less before the base time.
        f"CREATE OR REPLACE TEMP MACRO before_base(i, k, days) AS "
        f"TIMESTAMP '{base.isoformat(sep=' ')}' "
        f"- to_microseconds((rnd(i, k) * days * {DAY_US // 1_000_000})::BIGINT)",
    ]


def _identities_sql(profiles: int) -> str:
    cities = [c[0] for c in catalog.CITIES]
    return f"""
    CREATE OR REPLACE TEMP TABLE seed_ids AS
    SELECT i, i + 1 AS pkey, empty, ns, first, last,
           lower(first || '.' || last || i::VARCHAR || '@example.com') AS email,
           CASE ns WHEN 'Email' THEN lower(first || '.' || last || i::VARCHAR || '@example.com')
                   WHEN 'ECID' THEN lpad((hash(i, 11) % 1000000000000000000)::VARCHAR, 19, '0')
                                    || lpad((hash(i, 12) % 1000000000000000000)::VARCHAR, 19, '0')
                   ELSE 'CRM' || lpad(i::VARCHAR, 9, '0') END AS id,
           1 + rnd(i, 13) % {len(cities)} AS city
    FROM (SELECT i, rnd(i, 1) < 30000 AS empty,
                 CASE WHEN rnd(i, 1) < 30000 OR rnd(i, 2) BETWEEN 600000 AND 849999 THEN 'ECID'
                      WHEN rnd(i, 2) < 600000 THEN 'Email' ELSE 'CRMID' END AS ns,
                 pick({_list(catalog.FIRST_NAMES)}, i, 3) AS first,
                 pick({_list(catalog.LAST_NAMES)}, i, 4) AS last
          FROM range({int(profiles)}) r(i))"""


def _fragments_sql() -> str:
    cities, countries, codes = ([c[n] for c in catalog.CITIES] for n in range(3))
    return f"""
    INSERT INTO fragments
    SELECT pkey, '{catalog.CRM_DATASET}', before_base(i, 20, 365), 2 * i, to_json({{
        'identities': CASE WHEN ns = 'Email' THEN [{{'id': id, 'namespace': {{'code': ns}}, 'primary': true}}]
                           ELSE [{{'id': id, 'namespace': {{'code': ns}}, 'primary': true}},
                                 {{'id': email, 'namespace': {{'code': 'Email'}}, 'primary': false}}] END,
        'personalEmail': {{'address': email, 'status': CASE WHEN rnd(i, 21) < 900000 THEN 'active'
                                                              ELSE 'blocked' END}},
        'person': {{'name': {{'firstName': first, 'lastName': last}},
                    'birthDate': strftime(DATE '1950-01-01' + (rnd(i, 22) % 18000)::INTEGER, '%Y-%m-%d')}},
        'homeAddress': {{'city': {_list(cities)}[city], 'country': {_list(countries)}[city],
                         'postalCode': {_list(codes)}[city]}},
        'mobilePhone': CASE WHEN rnd(i, 23) < 700000
                            THEN {{'number': '+1-555-' || lpad((i % 10000000)::VARCHAR, 7, '0')}} END
    }})
    FROM seed_ids WHERE NOT empty;
    INSERT INTO fragments
    SELECT pkey, '{catalog.LOYALTY_DATASET}', before_base(i, 30, 365), 2 * i + 1, to_json({{
        'loyalty': {{'points': rnd(i, 31) % 50000, 'tier': pick({_list(catalog.TIERS)}, i, 32),
                     'memberSince': strftime(DATE '2010-01-01' + (rnd(i, 33) % 3000)::INTEGER, '%Y-%m-%d')}},
        'homeAddress': CASE WHEN rnd(i, 34) < 333333
                            THEN {{'city': pick({_list(cities)}, i, 35)}} END
    }})
    FROM seed_ids WHERE NOT empty AND rnd(i, 30) < 500000"""


def _events_sql(profiles: int) -> str:
    names = [b[0] for b in catalog.BROWSERS]
    versions = "[" + ", ".join(_list(b[1]) for b in catalog.BROWSERS) + "]"
    return f"""
    INSERT INTO events
    SELECT pkey, ts, ts + to_microseconds((rnd(i, 50 + k) % 600000000)::BIGINT), {2 * profiles} + 4 * i + k,
           to_json({{
        '_id': md5(i::VARCHAR || '-' || k::VARCHAR),
        'eventType': event_type,
        'environment': {{'browserDetails': {{'name': {_list(names)}[browser],
                                             'version': {versions}[browser][1 + rnd(i, 60 + k) % 2]}}}},
        'web': {{'webPageDetails': {{'name': pick({_list(catalog.PAGES)}, i, 70 + k)}}}},
        'commerce': CASE WHEN event_type = 'commerce.purchases'
                         THEN {{'order': {{'priceTotal': round((rnd(i, 80 + k) % 50000) / 100.0, 2),
                                           'currencyCode': 'EUR'}}}} END
    }})
    FROM (SELECT i, pkey, k, before_base(i, 40 + k, 30) AS ts,
                 pick({_list(catalog.EVENT_TYPES)}, i, 90 + k) AS event_type,
                 1 + rnd(i, 95) % {len(names)} AS browser
          FROM seed_ids, range(4) r(k)
          WHERE k < CASE WHEN empty THEN 1 + rnd(i, 5) % 4 ELSE rnd(i, 5) % 5 END)"""


def _memberships_sql() -> str:
    parts = []
    for index, (definition, per_mille) in enumerate(catalog.SEGMENTS):
        s = 100 + 10 * index
        parts.append(f"""
        SELECT pkey, '{definition["id"]}', '{definition["namespace"]}',
               CASE WHEN rnd(i, {s + 1}) < 300000 THEN 'realized'
                    WHEN rnd(i, {s + 1}) < 850000 THEN 'existing' ELSE 'exited' END,
               before_base(i, {s + 2}, 90)
        FROM seed_ids WHERE rnd(i, {s}) < {per_mille * 1000}""")
    return "INSERT INTO memberships " + " UNION ALL ".join(parts)


PROFILES_SQL = """
    INSERT INTO profiles
    SELECT s.pkey, s.id, s.ns, f.newest IS NOT NULL, coalesce(f.newest, e.newest)
    FROM seed_ids s
    LEFT JOIN (SELECT pkey, max(ingest_ts) AS newest FROM fragments GROUP BY pkey) f ON f.pkey = s.pkey
    LEFT JOIN (SELECT pkey, max(ingest_ts) AS newest FROM events GROUP BY pkey) e ON e.pkey = s.pkey"""


def _definitions(con: Any, base: datetime) -> None:
    created = int(base.timestamp() * 1000)
    for definition, _ in catalog.SEGMENTS:
        doc = {**definition, "schema": catalog.PROFILE_SCHEMA, "creationTime": created, "updateTime": created}
        con.execute("INSERT INTO segment_definitions VALUES (?, ?)", [doc["id"], json.dumps(doc)])
    for policy in catalog.MERGE_POLICIES:
        con.execute(
            "INSERT INTO merge_policies VALUES (?, ?, ?)",
            [policy["id"], policy["version"], json.dumps({**policy, "updateEpoch": created // 1000})],
        )


def generate(
    store: ProfileStore, *, profiles: int, seed: int, base_time: datetime | None = None
) -> SeedReport:
    """Replace the store's contents with ``profiles`` synthetic profiles (see the module docstring)."""
    if profiles < 0:
        raise ValueError("profiles must be >= 0")
    started = time.perf_counter()
    base = catalog.DEFAULT_BASE_TIME if base_time is None else base_time
    if base.tzinfo is not None:
        from datetime import UTC

        base = base.astimezone(UTC).replace(tzinfo=None)
    con = store.connection
    with transaction(con):
        for table in (*DATA_TABLES, "meta"):
            con.execute(f"DELETE FROM {table}")
        set_meta(con, "format_version", FORMAT_VERSION)
        for statement in [
            *_macros(seed, base),
            _identities_sql(profiles),
            *_fragments_sql().split(";"),
            _events_sql(profiles),
            _memberships_sql(),
            PROFILES_SQL,
        ]:
            con.execute(statement)
        _definitions(con, base)
        set_meta(con, "next_seq", str(6 * profiles))
        refresh_structures(con)
        con.execute("DROP TABLE seed_ids")
    counts = store.counts()
    empty = int(con.execute("SELECT count(*) FROM profiles WHERE NOT has_fragment").fetchall()[0][0])
    return SeedReport(
        profiles=counts["profiles"],
        empty_profiles=empty,
        fragments=counts["fragments"],
        events=counts["events"],
        memberships=counts["memberships"],
        segment_definitions=counts["segment_definitions"],
        merge_policies=counts["merge_policies"],
        seed=seed,
        base_time=base,
        elapsed_ms=int((time.perf_counter() - started) * 1000),
    )
