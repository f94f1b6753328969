"""Vendor enum values onto canonical enums (invoice status, customer kind)."""

from __future__ import annotations

from typing import Any

__all__ = ["VOCABULARIES", "enum_values", "widen"]

_STATUS = {
    "draft": "draft",
    "open": "open",
    "posted": "open",
    "payment_due": "open",
    "not_paid": "open",
    "unpaid": "open",
    "sent": "open",
    "viewed": "open",
    "overdue": "open",
    "authorised": "open",
    "authorized": "open",
    "submitted": "open",
    "pending": "open",
    "partially_paid": "open",
    "partial": "open",
    "issued": "open",
    "outstanding": "open",
    "paid": "paid",
    "partially_refunded": "paid",
    "refunded": "paid",
    "closed": "paid",
    "void": "void",
    "voided": "void",
    "deleted": "void",
    "cancelled": "void",
    "canceled": "void",
    "uncollectible": "uncollectible",
    "written_off": "uncollectible",
    "bad_debt": "uncollectible",
}
_KIND = {
    "individual": "person",
    "person": "person",
    "consumer": "person",
    "private": "person",
    "company": "organization",
    "business": "organization",
    "organization": "organization",
    "organisation": "organization",
    "corporate": "organization",
}

VOCABULARIES: dict[str, dict[str, str]] = {"status": _STATUS, "kind": _KIND}
"""Canonical target -> (normalised vendor word -> canonical value)."""


def _norm(value: str) -> str:
    return "_".join(value.strip().lower().replace("-", " ").split())


def enum_values(target: str, values: list[Any]) -> tuple[dict[str, str], list[str]]:
    """The ``enum`` transform's value map for the vendor ``values``, and the values it missed."""
    vocabulary = VOCABULARIES.get(target, {})
    mapped: dict[str, str] = {}
    missed: list[str] = []
    for value in values:
        if not isinstance(value, str) or isinstance(value, bool):
            missed.append(repr(value))
            continue
        canonical = vocabulary.get(_norm(value))
        if canonical is None:
            missed.append(value)
        else:
            mapped[value] = canonical
    return mapped, missed


def widen(target: str, values: dict[str, str]) -> dict[str, str]:
    """``values`` plus the rest of the vocabulary, spelt in the vendor's case style.

    Samples rarely show every status; a vendor that wrote ``paid`` and ``draft`` writes
    ``void`` too. Mixed or other styles (``Partially Paid``) are left as seen.
    """
    seen = list(values)
    if seen and all(v.islower() and " " not in v for v in seen):
        style = str.lower
    elif seen and all(v.isupper() and " " not in v for v in seen):
        style = str.upper
    else:
        return dict(values)
    wider = dict(values)
    for word, canonical in VOCABULARIES.get(target, {}).items():
        wider.setdefault(style(word), canonical)
    return wider
