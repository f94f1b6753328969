"""Leaf rules of schema comparison: one JSON Schema keyword group at one location.

Each rule takes the old and new node (already ``$ref``-resolved) and yields findings
``(level, message)``; ``canonical._compat`` walks the structure and adds the location.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from canonical._change import ChangeKind

__all__ = [
    "ANNOTATIONS",
    "Rule",
    "Schema",
    "annotation_keywords",
    "bounds",
    "default",
    "describe",
    "enum",
    "other_keywords",
    "types",
]

Schema = Mapping[str, Any]
Rule = Iterator[tuple[ChangeKind, str]]

ANNOTATIONS = frozenset(
    {"title", "description", "examples", "$comment", "deprecated", "readOnly", "writeOnly"}
)
_LOWER_BOUNDS = frozenset(
    {"minLength", "minItems", "minProperties", "minimum", "exclusiveMinimum", "minContains"}
)
_UPPER_BOUNDS = frozenset(
    {"maxLength", "maxItems", "maxProperties", "maximum", "exclusiveMaximum", "maxContains"}
)
_WALKED = frozenset(
    {"type", "enum", "properties", "required", "additionalProperties", "items", "$defs"}
    | {"default", "$ref", "anyOf", "oneOf", "discriminator"}
)


def _type_set(node: Schema) -> set[str]:
    value = node.get("type")
    if value is None:
        return set()
    return {value} if isinstance(value, str) else set(value)


def describe(node: Schema) -> str:
    """A short human name for a schema: its $ref target, const, type or a JSON excerpt."""
    ref = node.get("$ref")
    if isinstance(ref, str):
        return ref.rsplit("/", 1)[-1]
    if "const" in node:
        return json.dumps(node["const"])
    if "type" in node:
        return "|".join(sorted(_type_set(node)))
    return json.dumps(node, sort_keys=True)[:60]


def annotation_keywords(old: Schema, new: Schema) -> Rule:
    """Documentation-only keywords: a change is patch-level."""
    for key in sorted(ANNOTATIONS):
        if old.get(key) != new.get(key):
            yield ChangeKind.PATCH, f"{key} changed"


def default(old: Schema, new: Schema) -> Rule:
    """A default appears when a property stops being required (minor); any other change of
    the default silently changes what an absent value means (major)."""
    if "default" not in old and "default" in new:
        yield ChangeKind.MINOR, "default added"
    elif old.get("default") != new.get("default"):
        yield ChangeKind.MAJOR, "default changed or removed"


def types(old: Schema, new: Schema) -> Rule:
    before, after = _type_set(old), _type_set(new)
    if before == after:
        return
    shown = "|".join(sorted(after)) or "any"
    if "number" in after:
        after.add("integer")  # every integer is a number
    if not before:
        yield ChangeKind.MAJOR, f"type restricted to {shown}"
    elif not after or before <= after:
        yield ChangeKind.MINOR, f"type widened to {shown}"
    else:
        yield ChangeKind.MAJOR, f"type changed from {'|'.join(sorted(before))} to {shown}"


def enum(old: Schema, new: Schema) -> Rule:
    """Added values are minor (old payloads stay valid); removed values are major."""
    if "enum" not in old and "enum" not in new:
        return
    if "enum" not in new:
        yield ChangeKind.MINOR, "enum restriction removed"
        return
    if "enum" not in old:
        yield ChangeKind.MAJOR, "now restricted to an enum"
        return
    before = {json.dumps(v, sort_keys=True) for v in old["enum"]}
    after = {json.dumps(v, sort_keys=True) for v in new["enum"]}
    for value in sorted(before - after):
        yield ChangeKind.MAJOR, f"enum value {value} removed"
    for value in sorted(after - before):
        yield ChangeKind.MINOR, f"enum value {value} added"


def bounds(old: Schema, new: Schema) -> Rule:
    """Lowering a minimum or raising a maximum (or dropping it) is minor; the reverse major."""
    for key in sorted(_LOWER_BOUNDS | _UPPER_BOUNDS):
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        upper = key in _UPPER_BOUNDS
        loosened = after is None or (
            before is not None and (after > before if upper else after < before)
        )
        verb = "loosened" if loosened else "tightened"
        yield (ChangeKind.MINOR if loosened else ChangeKind.MAJOR), f"{key} {verb}"


def other_keywords(old: Schema, new: Schema) -> Rule:
    """Everything else (pattern, format, const, multipleOf, allOf, ...): dropping it only
    loosens validation (minor); adding or changing it cannot be proven safe (major)."""
    handled = ANNOTATIONS | _LOWER_BOUNDS | _UPPER_BOUNDS | _WALKED
    for key in sorted((set(old) | set(new)) - handled):
        if old.get(key) == new.get(key):
            continue
        if key not in new:
            yield ChangeKind.MINOR, f"{key} constraint removed"
        else:
            yield ChangeKind.MAJOR, f"{key} added or changed"
