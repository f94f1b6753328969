"""Scores of one (canonical field, vendor field) pair: name, type/value pattern, combined.

The name score compares token phrases (the vendor leaf key, and the whole path) with the
target's synonyms; address parts also weigh the parent keys (billing/shipping/mailing).
The type score says how well the values' pattern fits the target kind; 0 vetoes the pair.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from mapping.suggest._enums import enum_values
from mapping.suggest._fields import VendorField
from mapping.suggest._targets import TargetField

__all__ = ["Score", "name_score", "score_pair", "type_score"]

_NOISE = frozenset(
    {"hs", "property", "value", "string", "attribute", "field", "meta", "data", "utc", "info"}
)
_BILLING = frozenset({"billing", "bill", "billto", "mailing", "invoice"})
_SHIPPING = frozenset({"shipping", "ship", "shipto", "delivery"})
_WEAK = frozenset({"other", "home", "secondary", "alternate"})
_CONTEXT = _BILLING | _SHIPPING | _WEAK | {"default", "primary", "main", "to"}
NAME_FLOOR = 0.4
_QUALIFIERS = frozenset(
    {"excluding", "including", "exclusive", "inclusive", "before", "after", "percentage", "percent"}
)
_SPECIFIC = {"email": "email", "currency_code": "currency"}
_FOREIGN = frozenset({"user", "login", "vat", "creator", "assignee"})

_TYPES: dict[str, dict[str, float]] = {
    "id": {"text": 0.8, "integer_text": 0.9, "enum_like": 0.8, "integer": 0.8, "phone": 0.3},
    "text": {
        "text": 1.0,
        "enum_like": 0.8,
        "country_code": 0.8,
        "integer_text": 0.6,
        "phone": 0.3,
        "integer": 0.3,
    },
    "email": {"email": 1.0, "text": 0.3},
    "phone": {"phone": 1.0, "integer_text": 0.7, "text": 0.5},
    "datetime": {"unix_seconds": 1.0, "unix_ms": 1.0, "iso_date": 1.0, "iso_datetime": 1.0},
    "money": {"integer": 1.0, "decimal": 1.0, "decimal_text": 1.0, "integer_text": 0.8},
    "currency": {"currency_code": 1.0, "text": 0.2},
    "enum": {"enum_like": 1.0, "text": 0.6, "country_code": 0.5, "currency_code": 0.3},
    "bool": {"boolean": 1.0, "boolean_text": 1.0},
    "country": {"country_code": 1.0},
    "decimal": {"integer": 1.0, "decimal": 1.0, "decimal_text": 1.0, "integer_text": 0.9},
}


@dataclass(frozen=True)
class Score:
    total: float
    name: float
    type: float
    why: str


def _clean(words: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for word in words:
        if word not in _NOISE and (not out or out[-1] != word):
            out.append(word)
    return tuple(out)


@lru_cache(maxsize=8192)
def _set(words: tuple[str, ...]) -> frozenset[str]:
    return frozenset(words)


@lru_cache(maxsize=8192)
def _words(words: tuple[str, ...]) -> tuple[str, ...]:
    """Cleaned tokens without version digits and one-letter codes (``v3_status``)."""
    return tuple(w for w in _clean(words) if not (w.isdigit() or len(w) == 1))


def _sim(have: tuple[str, ...], want: tuple[str, ...]) -> float:
    if not have or not want:
        return 0.0
    if have == want:
        return 1.0
    a, b = _set(have), _set(want)
    if a == b:
        return 0.95
    if b <= a:
        return 0.15 + 0.75 * len(b) / len(a)
    if a <= b:
        return 0.6 * len(a) / len(b)
    return 0.5 * len(a & b) / len(a | b)


def _best(have: tuple[str, ...], target: TargetField) -> float:
    best = 0.0
    for rank, want in enumerate(target.synonyms):
        best = max(best, _sim(have, want) - 0.004 * rank)
    return best


def name_score(target: TargetField, vf: VendorField) -> float:
    """0..1: how well the vendor path's words match the target's names."""
    if target.context:
        return _address_score(target, vf)
    leaf, parents = _words(vf.leaf), _words(vf.parents)
    whole = _words(vf.tokens)
    leaf_score = _best(leaf, target) * (0.8 if parents else 1.0)
    whole_score = _best(whole, target) * (1.0 if parents else 0.98)
    score = max(leaf_score, whole_score)
    own = {t for s in target.synonyms for t in s}
    qualifiers = set(whole) & _QUALIFIERS
    if qualifiers and not qualifiers <= own:
        score *= 0.6  # "total_excluding_tax" is not the tax
    if set(leaf) & _FOREIGN - own:
        score *= 0.6  # "username", "vat_name": a login or a tax name, not the name
    return score * (0.6 if vf.in_list else 1.0)


def _address_score(target: TargetField, vf: VendorField) -> float:
    shipping_target = target.name.startswith("shipping")
    if vf.group_role:  # a flat, prefix-coded group (p_city, address1_city)
        same = (vf.group_role == "shipping") == shipping_target
        return _best(vf.group_part, target) * (1.0 if same else 0.2)
    leaf = _clean(vf.leaf)
    part = tuple(t for t in leaf if t not in _CONTEXT)
    context = set(vf.parents) | (set(leaf) - set(part))
    base = _best(part, target)
    if context & _SHIPPING:
        factor = 1.0 if shipping_target else 0.2
    elif context & _BILLING:
        factor = 0.2 if shipping_target else 1.0
    elif context & _WEAK:
        factor = 0.2 if shipping_target else 0.5
    elif vf.parents:
        factor = 0.3 if shipping_target else 0.85
    else:
        factor = 0.2 if shipping_target else 0.4
    return base * factor * (0.9 if vf.in_list else 1.0)


def type_score(target: TargetField, vf: VendorField) -> float:
    """0..1: how well the values fit the target; 0 means they cannot fill it."""
    if vf.kind == "null":
        return 0.4
    if target.kind == "bool" and vf.pattern in ("enum_like", "text"):
        if vf.leaf not in (("status",), ("state",)):
            return 0.0  # only a record's own state can say it was deleted
        values, missed = enum_values(target.name, vf.distinct())
        return 0.9 if values and not missed and any(values.values()) else 0.0
    if target.kind == "money" and {"tax", "rate"} <= set(vf.leaf):
        return 0.0  # a tax rate, not an amount
    if vf.kind in ("array", "object", "mixed"):
        return 0.0
    if target.kind == "id" and vf.pattern in ("unix_seconds", "decimal"):
        return 0.2 if vf.pattern == "unix_seconds" else 0.0
    return _TYPES[target.kind].get(vf.pattern, 0.0)


def score_pair(target: TargetField, vf: VendorField) -> Score:
    """The combined score (0 when the type vetoes the pair) and a short explanation."""
    kind_fit = type_score(target, vf)
    if kind_fit == 0.0:
        return Score(0.0, 0.0, 0.0, "")
    name = name_score(target, vf)
    total = 0.7 * name + 0.3 * kind_fit
    if vf.in_list and not target.context:
        total *= 0.8  # inside a list of objects: more often a line item than the record
    why = f"name {name:.2f}, values {vf.descriptor} fit {kind_fit:.2f}"
    if name < 0.5 and _SPECIFIC.get(vf.pattern) == target.kind and not vf.parents:
        total = max(total, 0.58)
        why = f"values look like {vf.pattern.replace('_', ' ')}s"
    elif name < NAME_FLOOR:
        total = 0.0  # values alone do not make a match
    return Score(round(total, 4), name, kind_fit, why)
