"""The deterministic matcher: score every pair, then assign one vendor field per target.

Pairs at or above ``THRESHOLD`` are taken best first; a target gets one field and a field
fills one target. Money needs the record's currency field, so the currency is found first.
A display name with no vendor field of its own is joined from the given and family names.
"""

from __future__ import annotations

from mapping._rules import Rule
from mapping.suggest._build import build_rules
from mapping.suggest._check import Candidate
from mapping.suggest._fields import VendorField
from mapping.suggest._score import Score, score_pair
from mapping.suggest._targets import TargetField

__all__ = ["THRESHOLD", "match"]

THRESHOLD = 0.55

Pair = tuple[Score, TargetField, VendorField]


def _pairs(targets: tuple[TargetField, ...], fields: list[VendorField]) -> list[Pair]:
    pairs: list[Pair] = []
    for target in targets:
        for vf in fields:
            score = score_pair(target, vf)
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


def match(targets: tuple[TargetField, ...], fields: list[VendorField]) -> list[Candidate]:
    """Candidate rules, best first, one per target and per vendor field."""
    pairs = _pairs(targets, fields)
    money_currency = currency_path(pairs, fields)
    taken_targets: set[str] = set()
    taken_fields: set[str] = set()
    out: list[Candidate] = []
    for score, target, vf in pairs:
        if target.name in taken_targets or vf.path in taken_fields:
            continue
        built = build_rules(target, vf, money_currency)
        if built is None:
            continue
        taken_targets.add(target.name)
        taken_fields.add(vf.path)
        note = f"; {built.note}" if built.note else ""
        out.append(
            Candidate(
                target=target.name,
                source=vf.path,
                rules=dict(built.rules),
                transform=built.transform,
                confidence=min(score.total, 0.99),
                rationale=f"{score.why}{note}",
                args=built.args,
            )
        )
    joined = _joined_name(targets, out)
    return out + ([joined] if joined else [])


def _joined_name(targets: tuple[TargetField, ...], found: list[Candidate]) -> Candidate | None:
    by_target = {c.target: c for c in found}
    if "name" in by_target or not any(t.name == "name" for t in targets):
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
