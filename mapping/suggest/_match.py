"""The deterministic matcher: score every pair, then assign one vendor field per target.

Pairs at or above ``THRESHOLD`` are taken best first; a target gets one field and a field
fills one target. Money needs a currency: the code beside the amount (``{amount,
currency}`` objects, Wave's ``total.currency.code``), else the record's currency field.
A display name with no vendor field of its own is joined from the given and family names;
an invoice without an issue-date field is issued when it was created.
"""

from __future__ import annotations

from dataclasses import replace

from mapping._rules import Rule
from mapping.suggest._build import build_rules
from mapping.suggest._check import Candidate
from mapping.suggest._fields import VendorField
from mapping.suggest._ids import id_problem
from mapping.suggest._score import Score, score_pair
from mapping.suggest._targets import TargetField

__all__ = ["THRESHOLD", "currency_beside", "match"]

THRESHOLD = 0.55

Pair = tuple[Score, TargetField, VendorField]


def _pairs(targets: tuple[TargetField, ...], fields: list[VendorField], line: bool) -> list[Pair]:
    pairs: list[Pair] = []
    codes = [vf.present for vf in fields if vf.pattern == "currency_code"]
    for target in targets:
        for vf in fields:
            if target.name == "remote_id" and id_problem(target, vf, line=line) is not None:
                continue
            if target.kind == "currency" and vf.present < max(codes, default=0):
                continue  # the record's currency is in every record; a rarer code is not it
            score = score_pair(target, vf)
            if target.kind == "money" and score.total and currency_beside(vf, fields):
                score = replace(score, total=round(min(score.total * 1.1, 0.99), 4))
            if score.total >= THRESHOLD:
                pairs.append((score, target, vf))
    pairs.sort(key=lambda p: (-p[0].total, p[2].path.count("."), len(p[2].path)))
    return pairs


def currency_path(pairs: list[Pair], fields: list[VendorField]) -> str | None:
    """The record's currency field: the best match for ``currency``, else any ISO code field."""
    for score, target, vf in pairs:
        if target.name == "currency" and score.total >= THRESHOLD:
            return vf.path
    codes = [vf for vf in fields if vf.pattern == "currency_code" and not vf.in_list]
    codes.sort(key=lambda vf: (vf.path.count("."), "currency" not in vf.tokens))
    return codes[0].path if codes else None


def currency_beside(vf: VendorField, fields: list[VendorField]) -> str | None:
    """The currency code beside an amount ``x.amount``: ``x.currency`` or ``x.currency.code``."""
    parent = vf.path.rpartition(".")[0]
    if not parent:
        return None
    for other in fields:
        if other.pattern != "currency_code" or other.path == vf.path:
            continue
        if other.path.rpartition(".")[0] == parent or other.path.startswith(f"{parent}.currency."):
            return other.path
    return None


def match(
    targets: tuple[TargetField, ...],
    fields: list[VendorField],
    *,
    currency: str | None = None,
    line: bool = False,
) -> list[Candidate]:
    """Candidate rules, best first, one per target and per vendor field.

    ``currency`` is the currency path money falls back to (for lines: the invoice's);
    ``line`` builds rules for invoice lines.
    """
    pairs = _pairs(targets, fields, line)
    money_currency = currency_path(pairs, fields) or currency
    taken_targets: set[str] = set()
    taken_fields: set[str] = set()
    out: list[Candidate] = []
    for score, target, vf in pairs:
        if target.name in taken_targets or vf.path in taken_fields:
            continue
        own = currency_beside(vf, fields) if target.kind == "money" else None
        built = build_rules(target, vf, own or money_currency, line=line)
        if built is None:
            continue
        taken_targets.add(target.name)
        taken_fields.add(vf.path)
        note = f"; {built.note}" if built.note else ""
        thin = id_problem(target, vf, thin=True, line=line) if target.name == "remote_id" else None
        out.append(
            Candidate(
                target=target.name,
                source=vf.path,
                rules=dict(built.rules),
                transform=built.transform,
                confidence=min(score.total, 0.99) * (0.8 if thin else 1.0),
                rationale=f"{score.why}{note}" + (f"; {thin}" if thin else ""),
                args=built.args,
            )
        )
    names = {t.name for t in targets}
    extra = [
        _joined_name(names, out),
        _issued_when_created(names, out),
        _currency(names, out, fields),
    ]
    return out + [c for c in extra if c is not None]


def _joined_name(names: set[str], found: list[Candidate]) -> Candidate | None:
    by_target = {c.target: c for c in found}
    if "name" in by_target or "name" not in names:
        return None
    given, family = by_target.get("given_name"), by_target.get("family_name")
    if given is None or family is None:
        return None
    rule = Rule(sources=(given.source, family.source), transform="join")
    return Candidate(
        target="name",
        source=f"{given.source} + {family.source}",
        rules={"name": rule},
        transform="join",
        confidence=round(min(given.confidence, family.confidence) * 0.9, 4),
        rationale="no display-name field: given and family names joined with a space",
    )


def _issued_when_created(names: set[str], found: list[Candidate]) -> Candidate | None:
    """An invoice with no issue-date field: the time it was created is its issue date."""
    by_target = {c.target: c for c in found}
    created = by_target.get("created_at")
    if "issued_at" not in names or "issued_at" in by_target or created is None:
        return None
    return replace(
        created,
        target="issued_at",
        rules={"issued_at": created.rules["created_at"]},
        confidence=round(created.confidence * 0.75, 4),
        rationale="no issue-date field: the invoice is taken as issued when it was created "
        f"({created.source} also fills created_at)",
    )


def _currency(
    names: set[str], found: list[Candidate], fields: list[VendorField]
) -> Candidate | None:
    """No currency field of the record: the ISO code present in every sample, nearest first.

    Square keeps it only beside the amounts of ``payment_requests[0]``.
    """
    if "currency" not in names or any(c.target == "currency" for c in found):
        return None
    codes = [vf for vf in fields if vf.pattern == "currency_code"]
    if not codes:
        return None
    most = max(vf.present for vf in codes)
    codes = [vf for vf in codes if vf.present == most]
    codes.sort(key=lambda vf: (vf.in_list, vf.path.count("."), len(vf.path)))
    path = codes[0].path
    return Candidate(
        target="currency",
        source=path,
        rules={"currency": Rule(source=path, transform="upper")},
        transform="upper",
        confidence=0.6,
        rationale="no currency field of the record's own: the ISO code found in every sample",
    )
