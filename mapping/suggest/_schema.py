"""JSON Schema / OpenAPI object schemas into example records the rules can be checked on.

Properties are walked through ``$ref`` (local ``#/...`` pointers), ``allOf``/``anyOf``/
``oneOf`` (first usable branch) and arrays (one item). Example values come from
``example``/``examples``/``enum``/``default``, else from the type and format, else from
the field's name (an ``email`` string gets an address, a ``*_at`` integer a Unix time).
An enum yields one record per value so every value is checked.
"""

from __future__ import annotations

import copy
from typing import Any

from canonical import ConfigurationError
from mapping.suggest._fields import VendorField
from mapping.suggest._tokens import tokens

__all__ = ["schema_samples"]

_MAX_DEPTH = 6
_FORMATS: dict[str, Any] = {
    "email": "jane.doe@example.com",
    "date-time": "2024-03-01T12:00:00Z",
    "date": "2024-03-01",
    "uri": "https://example.com/x",
    "uuid": "6f1c7f0e-3d0b-4c52-9d4e-63616e6f6e72",
    "unix-time": 1709294400,
    "timestamp": 1709294400,
    "int64": 1999,
    "int32": 1999,
    "double": 19.99,
    "float": 19.99,
    "decimal": "19.99",
}
_NAMED: tuple[tuple[str, Any], ...] = (
    ("email", "jane.doe@example.com"),
    ("phone", "+1 415 555 0100"),
    ("currency", "USD"),
    ("country", "US"),
    ("date", "2024-03-01"),
    ("time", "2024-03-01T12:00:00Z"),
    ("zip", "94107"),
    ("postal", "94107"),
)
_TIME_WORDS = frozenset({"created", "updated", "date", "at", "time", "timestamp", "due", "paid"})


def schema_samples(schema: dict[str, Any]) -> tuple[list[dict[str, Any]], list[VendorField]]:
    """Example records for ``schema`` and the fields it declares (with enums, descriptions)."""
    root = schema
    target = _object_schema(schema)
    declared: list[VendorField] = []
    base = _example(target, root, "", 0, declared)
    if not isinstance(base, dict) or not base:
        raise ConfigurationError(
            "the schema declares no object properties to map",
            hint="give the vendor object's schema (type: object with properties), or an "
            "OpenAPI document with a top-level $ref to it",
        )
    records = [base]
    for vf in declared:
        for value in (vf.enum or [])[1:8]:
            variant = copy.deepcopy(base)
            if _set(variant, vf.path, value):
                records.append(variant)
    return records, declared


def _object_schema(schema: dict[str, Any]) -> dict[str, Any]:
    if "properties" in schema or "$ref" in schema or "allOf" in schema:
        return schema
    raise ConfigurationError(
        "the schema has no properties and no $ref",
        hint="pass the object's JSON Schema, or an OpenAPI document with "
        "'$ref': '#/components/schemas/<Object>' at the top",
    )


def _resolve(node: dict[str, Any], root: dict[str, Any], seen: int = 0) -> dict[str, Any]:
    while "$ref" in node and seen < 20:
        ref = node["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#/"):
            raise ConfigurationError(
                f"cannot follow $ref {ref!r}", hint="only local '#/...' references are supported"
            )
        found: Any = root
        for raw in ref[2:].split("/"):
            key = raw.replace("~1", "/").replace("~0", "~")
            found = found.get(key) if isinstance(found, dict) else None
        if not isinstance(found, dict):
            raise ConfigurationError(f"$ref {ref!r} points at nothing", hint="fix the reference")
        node, seen = {**found, **{k: v for k, v in node.items() if k != "$ref"}}, seen + 1
    for key in ("allOf", "anyOf", "oneOf"):
        branches = [b for b in node.get(key, []) if isinstance(b, dict)]
        if branches:
            merged: dict[str, Any] = {k: v for k, v in node.items() if k != key}
            for branch in branches if key == "allOf" else branches[:1]:
                resolved = _resolve(branch, root, seen + 1)
                props = {**merged.get("properties", {}), **resolved.get("properties", {})}
                merged = {**resolved, **merged, "properties": props}
            if not merged["properties"]:
                merged.pop("properties")
            node = merged
    return node


def _type(node: dict[str, Any]) -> str:
    kind = node.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind is None:
        kind = "object" if "properties" in node else "array" if "items" in node else "string"
    return str(kind)


def _example(
    node: dict[str, Any], root: dict[str, Any], path: str, depth: int, out: list[VendorField]
) -> Any:
    node = _resolve(node, root)
    kind = _type(node)
    if kind == "object" and depth < _MAX_DEPTH:
        props = node.get("properties") or {}
        record = {}
        for name, sub in props.items():
            if isinstance(sub, dict):
                record[name] = _example(
                    sub, root, f"{path}.{name}" if path else name, depth + 1, out
                )
        return record
    if kind == "array" and isinstance(node.get("items"), dict):
        item = _example(node["items"], root, f"{path}[0]", depth + 1, out)
        return [item]
    enum = node.get("enum") if isinstance(node.get("enum"), list) else None
    out.append(VendorField(path, enum=enum, description=str(node.get("description", ""))[:200]))
    return _leaf(node, kind, path, enum)


def _leaf(node: dict[str, Any], kind: str, path: str, enum: list[Any] | None) -> Any:
    if "example" in node:
        return node["example"]
    examples = node.get("examples")
    if isinstance(examples, list) and examples:
        return examples[0]
    if enum:
        return enum[0]
    if node.get("default") is not None:
        return node["default"]
    fmt = node.get("format")
    if (
        isinstance(fmt, str)
        and fmt in _FORMATS
        and (kind == "string") == isinstance(_FORMATS[fmt], str)
    ):
        return _FORMATS[fmt]
    words = set(tokens(path))
    if kind == "boolean":
        return False
    if kind == "integer":
        return 1709294400 if words & _TIME_WORDS else 1999
    if kind == "number":
        return 19.99
    for word, value in _NAMED:
        if word in words:
            return value
    return "example"


def _set(record: dict[str, Any], path: str, value: Any) -> bool:
    current: Any = record
    parts = path.replace("[0]", ".0").split(".")
    for part in parts[:-1]:
        current = current[int(part)] if isinstance(current, list) else current.get(part)
        if current is None:
            return False
    if isinstance(current, dict):
        current[parts[-1]] = value
        return True
    return False
