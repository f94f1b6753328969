"""The OpenAPI 3.1 document of the unified API, generated from the canonical models."""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic.json_schema import models_json_schema

from canonical import SCHEMA_VERSION, Customer, Event, Invoice
from registry._records import FILTERS
from registry._store_query import MAX_LIMIT
from registry.api._expanded import InvoiceWithCustomer
from registry.api._params import COLLECTIONS

__all__ = ["openapi_document"]

_REF = "#/components/schemas/{model}"
_SCHEMAS = {"customer": "Customer", "invoice": "Invoice", "event": "Event"}
_DESCRIPTIONS = {
    "cursor": "Resume after this position (a `next_cursor` of this listing). A cursor from "
    "a page with `has_more: false` reads what changed since, tombstones included.",
    "limit": f"Records per page, 1-{MAX_LIMIT}.",
    "connection_id": "Only records of this connection.",
    "modified_after": "Only records Canonry stored a change of after this time.",
    "include_deleted": "Include tombstones (`remote_was_deleted: true`). Default: false for a "
    "first listing and its pages, true when reading changes from a final cursor.",
    "include_remote_data": "Add the raw vendor object as `remote_data` (when kept).",
    "expand": "`customer`: embed each invoice's customer record as `customer`.",
}
_DATE_PARAMS = {"modified_after"} | {
    name for names in FILTERS.values() for name in names if name.endswith(("_after", "_before"))
}


def _param(name: str, *, required: bool = False, where: str = "query") -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if name == "limit":
        schema = {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 100}
    elif name in ("include_deleted", "include_remote_data"):
        schema = {"type": "boolean"}
    elif name in _DATE_PARAMS:
        schema = {"type": "string", "format": "date-time"}
    elif name == "expand":
        schema = {"type": "string", "enum": ["customer"]}
    elif name == "status":
        schema = {"type": "string", "enum": ["draft", "open", "paid", "void", "uncollectible"]}
    description = _DESCRIPTIONS.get(name, f"Exact match on `{name}`.")
    return {"name": name, "in": where, "required": required, "schema": schema,
            "description": description}  # fmt: skip


def _problem(description: str) -> dict[str, Any]:
    content = {"application/problem+json": {"schema": {"$ref": _REF.format(model="Problem")}}}
    return {"description": description, "content": content}


_ERRORS = {
    "400": _problem("Invalid parameter"),
    "401": _problem("Missing or invalid API key"),
    "403": _problem("The key lacks the scope records:read"),
    "429": _problem("Rate limited: retry after `Retry-After` seconds"),
    "503": _problem("The database is unavailable"),
}


def _item_schema(collection: str, *, expanded: bool = False) -> dict[str, Any]:
    name = _SCHEMAS[COLLECTIONS[collection]]
    if expanded:
        return {"anyOf": [{"$ref": _REF.format(model=name)},
                          {"$ref": _REF.format(model="InvoiceWithCustomer")}]}  # fmt: skip
    return {"$ref": _REF.format(model=name)}


def _paths() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for collection, model in COLLECTIONS.items():
        expandable = model == "invoice"
        params = ["cursor", "limit", "connection_id", "modified_after", "include_deleted"]
        params += [*FILTERS[model]]
        flags = ["include_remote_data"] + (["expand"] if expandable else [])
        page = {
            "type": "object",
            "additionalProperties": False,
            "required": ["object", "results", "next_cursor", "has_more"],
            "properties": {
                "object": {"const": "list"},
                "results": {
                    "type": "array",
                    "items": _item_schema(collection, expanded=expandable),
                },
                "next_cursor": {"type": "string"},
                "has_more": {"type": "boolean"},
            },
        }
        paths[f"/v1/{collection}"] = {"get": {
            "operationId": f"list_{collection}",
            "summary": f"List {collection}, oldest change first",
            "parameters": [_param(p) for p in [*params, *flags]],
            "responses": {"200": {"description": "A page", "content": {
                "application/json": {"schema": page}}}, **_ERRORS},
        }}  # fmt: skip
        single = _item_schema(collection, expanded=expandable)
        paths[f"/v1/{collection}/{{id}}"] = {"get": {
            "operationId": f"get_{model}",
            "summary": f"One {model} by Canonry id (tombstones too)",
            "parameters": [_param("id", required=True, where="path"), *map(_param, flags)],
            "responses": {
                "200": {"description": "The record", "headers": {"ETag": {
                    "schema": {"type": "string"}}}, "content": {
                    "application/json": {"schema": single}}},
                "304": {"description": "Not modified (If-None-Match matched the ETag)"},
                "404": _problem("No such record in the key's tenant"),
                **_ERRORS,
            },
        }}  # fmt: skip
    return paths


_PROBLEM = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
    },
}


@cache
def openapi_document() -> dict[str, Any]:
    models = [(m, "serialization") for m in (Customer, Invoice, Event, InvoiceWithCustomer)]
    _, defs = models_json_schema(models, ref_template=_REF)  # type: ignore[arg-type]
    schemas = dict(defs.get("$defs", {}))
    schemas["Problem"] = _PROBLEM
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Canonry unified API",
            "version": SCHEMA_VERSION,
            "description": "The canonical replica of every connection of the key's tenant.",
        },
        "paths": _paths(),
        "components": {
            "schemas": schemas,
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"apiKey": []}],
    }
