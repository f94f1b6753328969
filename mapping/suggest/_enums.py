"""Vendor enum values onto canonical enums (invoice status, customer kind)."""

from __future__ import annotations

from typing import Any

__all__ = ["DEFAULTS", "VOCABULARIES", "enum_values", "widen"]

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
    "billed": "open",
    "past_due": "open",
    "partial": "open",
    "issued": "open",
    "outstanding": "open",
    "paid": "paid",
    "partially_refunded": "paid",
    "refunded": "paid",
    "closed": "paid",
    "completed": "paid",
    "autopaid": "paid",
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

_DELETED: dict[str, Any] = {
    "active": False,
    "archived": True,
    "deleted": True,
    "closed": True,
    "removed": True,
}

VOCABULARIES: dict[str, dict[str, Any]] = {
    "status": _STATUS,
    "kind": _KIND,
    "remote_was_deleted": _DELETED,
}
"""Canonical target -> (normalised vendor word -> canonical value)."""

DEFAULTS: dict[str, Any] = {"status": "open", "remote_was_deleted": False}
"""The value for vendor values no sample showed (samples rarely show every status)."""


def _norm(value: str) -> str:
    return "_".join(value.strip().lower().replace("-", " ").split())


def enum_values(target: str, values: list[Any]) -> tuple[dict[str, Any], list[str]]:
    """The ``enum`` transform's value map for the vendor ``values``, and the values it missed."""
    vocabulary = VOCABULARIES.get(target, {})
    mapped: dict[str, Any] = {}
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


def _title(word: str) -> str:
    return word.replace("_", " ").title()


def widen(target: str, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` plus the rest of the vocabulary, spelt in the vendor's case style.

    Samples rarely show every status; a vendor that wrote ``paid`` and ``draft`` writes
    ``void`` too, one that wrote ``Posted`` writes ``Draft``. Mixed styles are left as seen.
    """
    seen = list(values)
    style: Any
    if seen and all(v.islower() and " " not in v for v in seen):
        style = str.lower
    elif seen and all(v.isupper() and " " not in v for v in seen):
        style = str.upper
    elif seen and all(v == _title(v) for v in seen):
        style = _title
    else:
        return dict(values)
    wider = dict(values)
    for word, canonical in VOCABULARIES.get(target, {}).items():
        wider.setdefault(style(word), canonical)
    return wider
