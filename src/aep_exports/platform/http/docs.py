"""OpenAPI fragments for the platform's own document (``/openapi.json``): request bodies and list params."""

from __future__ import annotations

from typing import Any

_JSON_OBJECT: dict[str, Any] = {"type": "object"}

DATASET_BODY: dict[str, Any] = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string"},
        "description": {"type": "string"},
        "tags": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
        "schemaRef": {
            "type": "object",
            "properties": {"id": {"type": "string"}, "contentType": {"type": "string"}},
        },
        "fileDescription": {
            "type": "object",
            "properties": {
                "persisted": {"type": "boolean"},
                "containerFormat": {"type": "string"},
                "format": {"type": "string"},
            },
        },
        "aspect": {"type": "string"},
    },
}

_SEGMENT: dict[str, Any] = {
    "type": "object",
    "required": ["segmentId"],
    "properties": {
        "segmentId": {"type": "string"},
        "segmentNs": {"type": "string"},
        "status": {"type": "array", "items": {"enum": ["realized", "existing", "exited"]}},
    },
}

JOB_BODY: dict[str, Any] = {
    "type": "object",
    "required": ["destination", "schema"],
    "properties": {
        "fields": {"type": "string"},
        "mergePolicy": {
            "type": "object",
            "properties": {"id": {"type": "string"}, "version": {"type": "integer"}},
        },
        "filter": {
            "type": "object",
            "properties": {
                "segments": {"type": "array", "items": _SEGMENT},
                "segmentQualificationTime": {
                    "type": "object",
                    "properties": {
                        "startTime": {"type": "string", "format": "date-time"},
                        "endTime": {"type": "string", "format": "date-time"},
                    },
                },
                "fromIngestTimestamp": {"type": "string", "format": "date-time"},
                "emptyProfiles": {"type": "boolean"},
            },
        },
        "additionalFields": {
            "type": "object",
            "properties": {
                "eventList": {
                    "type": "object",
                    "properties": {
                        "fields": {"type": "string"},
                        "filter": {
                            "type": "object",
                            "properties": {
                                "fromIngestTimestamp": {"type": "string", "format": "date-time"},
                                "toIngestTimestamp": {"type": "string", "format": "date-time"},
                            },
                        },
                    },
                }
            },
        },
        "destination": {
            "type": "object",
            "required": ["datasetId"],
            "properties": {"datasetId": {"type": "string"}, "segmentPerBatch": {"type": "boolean"}},
        },
        "schema": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}},
    },
}

JSON_PATCH_BODY: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["op", "path"],
        "properties": {"op": {"type": "string"}, "path": {"type": "string"}, "value": {}},
    },
}


def body(schema: dict[str, Any], *, patch: bool = False) -> dict[str, Any]:
    """``openapi_extra`` declaring a required JSON request body (and JSON Patch for PATCH)."""
    content: dict[str, Any] = {"application/json": {"schema": schema if not patch else _JSON_OBJECT}}
    if patch:
        content["application/json-patch+json"] = {"schema": JSON_PATCH_BODY}
    return {"requestBody": {"required": True, "content": content}}
