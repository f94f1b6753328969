"""Field names into comparable tokens: case splitting, light singularising, abbreviations.

``tokens("PrimaryEmailAddr.Address")`` gives ``("primary", "email", "address", "address")``;
``tokens("billing_address.zip")`` gives ``("billing", "address", "zip")``; one-word compounds
are split by a vocabulary: ``phrase("createdon")`` gives ``("created", "on")``.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = [
    "ABBREVIATIONS",
    "VOCABULARY",
    "compound",
    "path_segments",
    "phrase",
    "singular",
    "tokens",
]

_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_SPLIT = re.compile(r"[^A-Za-z0-9]+")
_INDEX = re.compile(r"\[(?:-?\d+|\*)\]")

ABBREVIATIONS: dict[str, str] = {
    "amt": "amount",
    "addr": "address",
    "num": "number",
    "nbr": "number",
    "no": "number",
    "qty": "quantity",
    "desc": "description",
    "bal": "balance",
    "org": "organization",
    "organisation": "organization",
    "tel": "phone",
    "telephone": "phone",
    "cust": "customer",
    "curr": "currency",
    "ccy": "currency",
    "txn": "transaction",
    "dt": "date",
    "ts": "timestamp",
    "zipcode": "zip",
    "postcode": "postal",
    "postalcode": "postal",
    "firstname": "first",
    "lastname": "last",
    "fname": "first",
    "lname": "last",
    "emailaddress": "email",
}

_KEEP = frozenset({"status", "address", "tax", "is", "has", "gross", "terms", "class", "bus"})

VOCABULARY = frozenset(
    {
        "account", "address", "amount", "at", "balance", "bill", "billing", "business", "by",
        "city", "code", "company", "contact", "country", "create", "created", "currency",
        "customer", "date", "description", "discount", "due", "email", "fax", "first", "full",
        "given", "home", "id", "invoice", "item", "last", "line", "mail", "mobile", "modified",
        "name", "number", "of", "on", "or", "order", "owner", "paid", "parent", "phone", "postal",
        "price", "province", "quantity", "region", "ship", "shipping", "site", "state", "status",
        "street", "sub", "tax", "time", "total", "type", "unit", "update", "updated", "user", "zip",
    }
)  # fmt: skip
"""Words a one-word compound (``contactid``, ``createdon``, ``fullname``) is split into."""


def singular(word: str) -> str:
    """A light singular: ``addresses`` -> ``address``, ``lines`` -> ``line``."""
    if word in _KEEP or len(word) <= 3:
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _expand(word: str) -> tuple[str, ...]:
    full = ABBREVIATIONS.get(word, word)
    if word in ("firstname", "fname", "lastname", "lname"):
        return (full, "name")
    if word in ("zipcode",):
        return ("zip",)
    if word in ("postcode", "postalcode"):
        return ("postal", "code")
    if word == "emailaddress":
        return ("email",)
    return (full,)


@lru_cache(maxsize=4096)
def compound(word: str) -> tuple[str, ...]:
    """``word`` split into vocabulary words (``customerid`` -> customer, id), or itself.

    Only a full split into two or three known words of two letters or more counts, so
    ordinary words (``notes``, ``memo``) stay whole.
    """
    if len(word) < 5 or word in VOCABULARY or word in ABBREVIATIONS:
        return (word,)
    best: tuple[str, ...] | None = None
    for cut in range(2, len(word) - 1):
        head, tail = word[:cut], word[cut:]
        if head not in VOCABULARY:
            continue
        rest = (tail,) if tail in VOCABULARY else compound(tail)
        if len(rest) == 1 and rest[0] not in VOCABULARY:
            continue
        found = (head, *rest)
        if len(found) <= 3 and (best is None or len(found) < len(best)):
            best = found
    return best or (word,)


@lru_cache(maxsize=4096)
def phrase(text: str) -> tuple[str, ...]:
    """Tokens of one name (no dots): camel/snake/kebab split, lower-cased, expanded."""
    out: list[str] = []
    for chunk in _SPLIT.split(text):
        for part in _CAMEL.findall(chunk):
            for piece in compound(part.lower()):
                out.extend(_expand(singular(piece)))
    return tuple(out)


def path_segments(path: str) -> list[str]:
    """The key names of a source path, without list subscripts."""
    return [seg for seg in _INDEX.sub("", path).split(".") if seg]


def tokens(path: str) -> tuple[str, ...]:
    """Every token of a dotted source path, in order."""
    return tuple(t for seg in path_segments(path) for t in phrase(seg))
