"""Admin routes under ``/local/`` the real API does not have: reset, clock, faults, contract, stats, seed,
profile counts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from aep_exports.platform.backend.scope import Caller
from aep_exports.platform.clock import parse_duration_ms, parse_instant_ms
from aep_exports.platform.contract import Contract
from aep_exports.platform.credentials import DEV_ORG_ID
from aep_exports.platform.errors import bad_request
from aep_exports.platform.faults import FaultConfig
from aep_exports.platform.http.deps import PlatformDep

router = APIRouter(prefix="/local", tags=["Local platform administration"])


@router.post("/reset")
def reset(platform: PlatformDep, body: dict[str, Any] | None = Body(None)) -> JSONResponse:
    """Forget every dataset, batch, file and job; clock, faults and stats back to defaults.

    ``{"profiles": true}`` also deletes the profile stores. Tokens stay valid.
    """
    platform.reset(profiles=bool((body or {}).get("profiles", False)))
    return JSONResponse({"reset": True})


@router.get("/clock")
async def get_clock(platform: PlatformDep) -> JSONResponse:
    return JSONResponse(platform.clock.describe())


@router.post("/clock")
def move_clock(platform: PlatformDep, body: dict[str, Any] = Body(...)) -> JSONResponse:
    """``{"set": RFC3339|ms}``, ``{"advance": seconds|"1d2h"}``, ``{"freeze": bool}``, ``{"reset": 1}``."""
    unknown = set(body) - {"set", "advance", "freeze", "reset"}
    if unknown or not body:
        raise bad_request("Use {'set': instant}, {'advance': duration}, {'freeze': bool} or {'reset': true}.")
    try:
        if body.get("reset"):
            platform.clock.reset()
        if "freeze" in body:
            platform.clock.freeze(bool(body["freeze"]))
        if "set" in body:
            platform.clock.set(parse_instant_ms(body["set"]))
        if "advance" in body:
            delta = parse_duration_ms(body["advance"])
            if delta < 0:
                raise ValueError("advance must not be negative; use 'set' to go back in time")
            platform.clock.advance(delta)
    except (ValueError, TypeError) as exc:
        raise bad_request(f"Invalid clock change: {exc}.") from None
    platform.after_clock_change()
    return JSONResponse(platform.clock.describe())


@router.get("/faults")
async def get_faults(platform: PlatformDep) -> JSONResponse:
    return JSONResponse(platform.faults.config.as_dict())


@router.put("/faults")
def put_faults(platform: PlatformDep, body: dict[str, Any] = Body(...)) -> JSONResponse:
    """Replace the fault settings (omitted ones are off); ``{}`` turns every fault off."""
    try:
        config = FaultConfig.from_mapping(body)
    except (ValueError, TypeError) as exc:
        raise bad_request(f"Invalid fault settings: {exc}.") from None
    platform.faults.configure(config)
    return JSONResponse(config.as_dict())


@router.get("/stats")
async def get_stats(platform: PlatformDep) -> JSONResponse:
    return JSONResponse(platform.stats.snapshot())


@router.delete("/stats")
def clear_stats(platform: PlatformDep) -> JSONResponse:
    platform.stats.clear()
    return JSONResponse(platform.stats.snapshot())


@router.get("/contract")
async def get_contract(platform: PlatformDep) -> JSONResponse:
    """The contract variant of every open point (docs/local-platform.md lists them)."""
    return JSONResponse(platform.contract.as_dict())


@router.put("/contract")
def put_contract(platform: PlatformDep, body: dict[str, Any] = Body(...)) -> JSONResponse:
    """Replace the contract variants (omitted ones go back to their default); ``{}``: all defaults.

    Stored jobs answer in the new shape from now on; ``/local/reset`` restores the start values.
    """
    try:
        contract = Contract.from_mapping(body)
    except ValueError as exc:
        raise bad_request(f"Invalid contract: {exc}.") from None
    return JSONResponse(platform.set_contract(contract).as_dict())


@router.get("/settings")
async def get_settings(platform: PlatformDep) -> JSONResponse:
    return JSONResponse(platform.settings())


@router.put("/settings")
def put_settings(platform: PlatformDep, body: dict[str, Any] = Body(...)) -> JSONResponse:
    """``{"job_duration_s": 0}`` etc.; ``/local/reset`` restores the values the platform started with."""
    try:
        return JSONResponse(platform.configure(body))
    except (ValueError, TypeError) as exc:
        raise bad_request(f"Invalid settings: {exc}.") from None


@router.get("/profiles")
def profile_counts(platform: PlatformDep, org: str = DEV_ORG_ID, sandbox: str = "prod") -> JSONResponse:
    """Rows per table of one org and sandbox's profile store: ``{"org", "sandbox", "counts": {...}}``."""
    counts = platform.profiles.counts(Caller(client_id="", org_id=org, sandbox=sandbox))
    return JSONResponse({"org": org, "sandbox": sandbox, "counts": counts})


@router.post("/seed")
async def seed(platform: PlatformDep, body: dict[str, Any] | None = Body(None)) -> JSONResponse:
    """``{"profiles": N, "seed": S, "sandbox": "prod", "org": ...}``: a synthetic profile store."""
    options = body or {}
    try:
        profiles, seed_value = int(options.get("profiles", 1000)), int(options.get("seed", 42))
    except (TypeError, ValueError):
        raise bad_request("'profiles' and 'seed' must be integers.") from None
    if profiles < 0:
        raise bad_request("'profiles' must not be negative.")
    org, sandbox = str(options.get("org", DEV_ORG_ID)), str(options.get("sandbox", "prod"))
    report = await run_in_threadpool(platform.seed, org, sandbox, profiles, seed_value)
    return JSONResponse(report)
