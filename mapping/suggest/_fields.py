"""Vendor fields seen in sample records: their paths, types and value patterns.

A field is a leaf path (``address.city``, ``Addresses[0].AddressLine1``); a list of objects
is looked into through its first item. ``pattern`` names what the values look like
(``email``, ``unix_seconds``, ``minor_units``...), ``descriptor`` is the privacy-safe
description sent to an LLM instead of the values (``string(email-like)``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from canonical import is_known_currency
from mapping.suggest._tokens import path_segments, phrase, tokens

__all__ = ["VendorField", "collect_fields", "describe_pattern"]

_MAX_DEPTH = 5
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_PHONE = re.compile(r"^\+?[0-9 ().\-/]{6,20}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_DECIMAL = re.compile(r"^-?\d+\.\d+$")
_INTEGER_TEXT = re.compile(r"^-?\d+$")
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
_ENUM_WORD = re.compile(r"^[A-Za-z][A-Za-z_\- ]{1,30}$")
_SECONDS = (631_152_000, 4_102_444_800)  # 1990 .. 2100
_MILLIS = (_SECONDS[0] * 1000, _SECONDS[1] * 1000)


@dataclass
class VendorField:
    """One vendor leaf path and what its values look like."""

    path: str
    kind: str = "null"
    """json type of the values: string, integer, number, boolean, array, null."""
    pattern: str = "text"
    values: list[Any] = field(default_factory=list)
    present: int = 0
    enum: list[Any] | None = None
    """Allowed values declared by a schema (not sample data)."""
    description: str = ""
    from_schema: bool = False
    group_role: str = ""
    """billing/shipping when the field is a part of a flat, prefix-coded address group."""
    group_part: tuple[str, ...] = ()
    """The part's tokens inside its group (``p_city`` -> ``("city",)``)."""

    @cached_property
    def tokens(self) -> tuple[str, ...]:
        return tokens(self.path)

    @cached_property
    def leaf(self) -> tuple[str, ...]:
        """Tokens of the last key."""
        segments = path_segments(self.path)
        return phrase(segments[-1]) if segments else ()

    @cached_property
    def parents(self) -> tuple[str, ...]:
        """Tokens of the keys above the last one."""
        return tuple(t for seg in path_segments(self.path)[:-1] for t in phrase(seg))

    @property
    def in_list(self) -> bool:
        return "[" in self.path

    @property
    def descriptor(self) -> str:
        """``string(email-like)``: the type and pattern, never a value."""
        return describe_pattern(self.kind, self.pattern)

    def distinct(self) -> list[Any]:
        seen: list[Any] = []
        for value in self.enum if self.enum is not None else self.values:
            if value not in seen:
                seen.append(value)
        return seen


def describe_pattern(kind: str, pattern: str) -> str:
    """``string(email-like)``, ``string(enum-like)``, ``integer(unix-seconds-like)``."""
    if pattern in ("text", kind):
        return kind
    return f"{kind}({pattern.removesuffix('_like').replace('_', '-')}-like)"


def collect_fields(samples: list[dict[str, Any]]) -> list[VendorField]:
    """Every leaf path of the samples, in first-seen order, with its values classified."""
    found: dict[str, VendorField] = {}
    for record in samples:
        for path, value in _leaves(record, "", 0):
            entry = found.setdefault(path, VendorField(path))
            if value is not None:
                entry.values.append(value)
                entry.present += 1
    for entry in found.values():
        entry.kind = _kind(entry.values)
        entry.pattern = classify(entry.values, entry.kind)
    return list(found.values())


def _leaves(value: Any, prefix: str, depth: int) -> list[tuple[str, Any]]:
    if isinstance(value, dict) and depth < _MAX_DEPTH:
        out: list[tuple[str, Any]] = []
        for key, item in value.items():
            if isinstance(key, str) and key:
                out.extend(_leaves(item, f"{prefix}.{key}" if prefix else key, depth + 1))
        return out
    if isinstance(value, list) and value and isinstance(value[0], dict) and depth < _MAX_DEPTH:
        return _leaves(value[0], f"{prefix}[0]", depth + 1)
    if isinstance(value, dict):
        return []
    return [(prefix, value)] if prefix else []


def _kind(values: list[Any]) -> str:
    kinds = {_json_kind(v) for v in values}
    if not kinds:
        return "null"
    if kinds == {"integer", "number"}:
        return "number"
    return kinds.pop() if len(kinds) == 1 else "mixed"


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def classify(values: list[Any], kind: str) -> str:
    """The value pattern shared by every value (``text`` when nothing more specific)."""
    if not values:
        return "text"
    if kind == "integer":
        return _integer_pattern(values)
    if kind == "number":
        return "decimal"
    if kind == "boolean":
        return "boolean"
    if kind != "string":
        return kind
    texts = [v.strip() for v in values if isinstance(v, str) and v.strip()]
    if not texts:
        return "text"
    for name, test in _STRING_TESTS:
        if all(test(t) for t in texts):
            return name
    return "text"


def _integer_pattern(values: list[Any]) -> str:
    if all(_SECONDS[0] <= v <= _SECONDS[1] for v in values):
        return "unix_seconds"
    if all(_MILLIS[0] <= v <= _MILLIS[1] for v in values):
        return "unix_ms"
    return "integer"


def _is_datetime(text: str) -> bool:
    if not _DATETIME.match(text):
        return False
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _is_phone(text: str) -> bool:
    digits = sum(c.isdigit() for c in text)
    return bool(_PHONE.match(text)) and 6 <= digits <= 17 and not _DECIMAL.match(text)


_STRING_TESTS = (
    ("email", lambda t: bool(_EMAIL.match(t))),
    ("iso_date", lambda t: bool(_DATE.match(t))),
    ("iso_datetime", _is_datetime),
    ("currency_code", lambda t: len(t) == 3 and t.isalpha() and is_known_currency(t.upper())),
    ("country_code", lambda t: bool(_COUNTRY.match(t)) and t.isupper()),
    ("decimal_text", lambda t: bool(_DECIMAL.match(t))),
    ("integer_text", lambda t: bool(_INTEGER_TEXT.match(t)) and len(t) < 12),
    ("boolean_text", lambda t: t.lower() in ("true", "false")),
    ("phone", _is_phone),
    ("enum_like", lambda t: bool(_ENUM_WORD.match(t)) and " " not in t.strip()),
)
