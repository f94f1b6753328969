"""Flat, prefix-coded address groups: ``p_street``/``p_city``/``p_code`` (FreshBooks),
``address1_line1``/``address1_city``/``address1_postalcode`` (Dynamics 365).

Keys under one parent that share a first word and whose rest names address parts form a
group. A group's role comes from its prefix (``bill``, ``ship``...); unnamed groups are
billing first (``p``, ``address1``, ``primary``), then shipping (``s``, ``address2``).
"""

from __future__ import annotations

import re

from mapping.suggest._fields import VendorField
from mapping.suggest._tokens import phrase

__all__ = ["mark_address_groups"]

_PARTS = frozenset(
    {"street", "line", "city", "town", "code", "zip", "postal", "province", "state", "region",
     "country", "county", "locality", "address"}
)  # fmt: skip
_BILLING = frozenset({"billing", "bill", "billto", "invoice", "invoicing", "mailing", "main"})
_SHIPPING = frozenset({"shipping", "ship", "shipto", "delivery"})
_FIRST = ("p", "primary", "address1", "addr1", "a", "1", "default", "main")
_SECOND = ("s", "secondary", "address2", "addr2", "b", "2", "other", "alt")
_KEY = re.compile(r"^([A-Za-z]+\d?)[_\-]([A-Za-z].*)$")


def _split(vf: VendorField) -> tuple[str, str, str] | None:
    """(parent, prefix, rest) of a key like ``p_street`` or ``address1_city``."""
    parent, _, key = vf.path.rpartition(".")
    found = _KEY.match(key)
    if found is None or "[" in key:
        return None
    return parent, found.group(1).lower(), found.group(2)


def _part(rest: str) -> tuple[str, ...]:
    words = phrase(rest)
    if words == ("code",):
        return ("postal", "code")  # p_code: the postal code of its address group
    return words


def mark_address_groups(fields: list[VendorField]) -> None:
    """Set ``group_role``/``group_part`` on the fields of prefix-coded address groups."""
    groups: dict[tuple[str, str], list[tuple[VendorField, tuple[str, ...]]]] = {}
    for vf in fields:
        split = _split(vf)
        if split is not None:
            parent, prefix, rest = split
            groups.setdefault((parent, prefix), []).append((vf, _part(rest)))
    real = {
        key: members
        for key, members in groups.items()
        if sum(1 for _vf, part in members if set(part) & _PARTS) >= 2
    }
    roles = _roles(sorted(real, key=lambda k: _rank(k[1])))
    for key, members in real.items():
        for vf, part in members:
            if set(part) & _PARTS:
                vf.group_role, vf.group_part = roles[key], part


def _rank(prefix: str) -> int:
    for order, names in enumerate((_FIRST, _SECOND)):
        if prefix in names:
            return order
    return 2


def _roles(keys: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    out: dict[tuple[str, str], str] = {}
    unnamed = []
    for key in keys:
        words = set(phrase(key[1]))
        if words & _BILLING:
            out[key] = "billing"
        elif words & _SHIPPING:
            out[key] = "shipping"
        else:
            unnamed.append(key)
    for index, key in enumerate(unnamed):
        out[key] = "billing" if index == 0 and "billing" not in out.values() else "shipping"
    return out
