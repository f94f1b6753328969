"""Turning checked candidates into a :class:`Proposal`: rules, lines, what is missing.

A proposal that cannot compile into a loadable mapping says so in ``missing``: each
required field without a rule, why the samples gave none, and what to add.
"""

from __future__ import annotations

import json
from typing import Any

from mapping._targets import required_fields, resolve_model
from mapping.suggest._check import Candidate, CheckResult
from mapping.suggest._fields import VendorField
from mapping.suggest._ids import id_problem
from mapping.suggest._lines import LineGuess
from mapping.suggest._proposal import (
    DroppedRule,
    MissingField,
    Proposal,
    ProposedLines,
    ProposedRule,
    SampleValue,
    UnmappedField,
)
from mapping.suggest._targets import line_targets, target_fields

__all__ = ["assemble"]

_HINTS = {
    "remote_id": (
        "no vendor field qualifies as the record's own id",
        "add `remote_id: <path of the object's own, unique id>`",
    ),
    "currency": (
        "the samples hold no ISO-4217 currency code, so no amount can be mapped either",
        "add `currency: <path of the currency code>`, or `currency: {const: EUR}` when every "
        "record is in one currency, then suggest again to map the amounts",
    ),
    "status": (
        "no field's values map onto draft/open/paid/void/uncollectible",
        "add `status: {source: <path>, transform: enum, args: {values: {<vendor>: <canonical>}, "
        "default: open}}`, or `status: {const: open}`",
    ),
}


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _rules(kept: list[tuple[Candidate, list[tuple[Any, Any]]]]) -> list[ProposedRule]:
    return [
        ProposedRule(
            target=cand.target,
            source=cand.source,
            transform=cand.transform,
            args=cand.args,
            confidence=round(cand.confidence, 3),
            rationale=cand.rationale,
            samples=tuple(SampleValue(before=_jsonable(b), after=_jsonable(a)) for b, a in pairs),
            origin="llm" if cand.origin == "llm" else "matcher",
            rules=dict(cand.rules),
        )
        for cand, pairs in kept
    ]


def _dropped(dropped: list[tuple[Candidate, str]], prefix: str = "") -> list[DroppedRule]:
    return [
        DroppedRule(
            target=prefix + cand.target,
            source=cand.source or None,
            transform=cand.transform,
            reason=reason,
            origin="llm" if cand.origin == "llm" else "matcher",
        )
        for cand, reason in dropped
    ]


def _sorted(rules: list[ProposedRule], order: list[str]) -> tuple[ProposedRule, ...]:
    rank = {name: i for i, name in enumerate(order)}
    return tuple(sorted(rules, key=lambda r: rank.get(r.target, len(rank))))


def _refused_ids(model: str, fields: list[VendorField]) -> str:
    """Why the id-named fields were not taken, e.g. ``site_id names another record``."""
    target = next(t for t in target_fields(model) if t.name == "remote_id")
    reasons = [
        problem
        for vf in fields
        if vf.leaf and vf.leaf[-1] in ("id", "uuid", "key")
        if (problem := id_problem(target, vf)) is not None
    ]
    return f" (refused: {'; '.join(reasons[:4])})" if reasons else ""


def _missing(
    model: str, rules: list[ProposedRule], fields: list[VendorField]
) -> tuple[MissingField, ...]:
    have = {r.target.split(".")[0] for r in rules} | {
        t.split(".")[0] for r in rules for t in r.rules
    }
    out = []
    for name in required_fields(resolve_model(model)):
        if name not in have:
            reason, hint = _HINTS.get(name, ("no vendor field fills it", f"add `{name}: <path>`"))
            if name == "remote_id":
                reason += _refused_ids(model, fields)
            out.append(MissingField(target=name, reason=reason, hint=hint))
    return tuple(out)


def _lines(guess: LineGuess | None) -> ProposedLines | None:
    if guess is None:
        return None
    rules = _sorted(_rules(guess.result.kept), [t.name for t in line_targets()])
    return ProposedLines(
        source=guess.source,
        confidence=round(guess.confidence, 3),
        rationale=guess.rationale,
        rules=rules,
    )


def assemble(
    model: str,
    result: CheckResult,
    guess: LineGuess | None,
    fields: list[VendorField],
    records: list[dict[str, Any]],
    notes: list[str],
) -> Proposal:
    """The proposal for ``model`` from the checked top-level and line candidates."""
    rules = _rules(result.kept)
    lines = _lines(guess)
    used = {p for r in rules for rule in r.rules.values() for p in rule.paths()}
    for name, arg in ((c.target, c.args.get("currency")) for c, _ in result.kept):
        if isinstance(arg, str) and name != "currency":
            used.add(arg)
    under = f"{lines.source}[0]." if lines is not None else None
    if lines is not None:
        used.add(lines.source)
        used |= {
            f"{under}{p}" for r in lines.rules for rule in r.rules.values() for p in rule.paths()
        }
    dropped = _dropped(result.dropped) + _dropped(guess.result.dropped if guess else [], "lines.")
    return Proposal(
        model=model,
        rules=_sorted(rules, [t.name for t in target_fields(model)]),
        lines=lines,
        missing=_missing(model, rules, fields),
        unmapped=tuple(
            UnmappedField(path=vf.path, descriptor=vf.descriptor)
            for vf in fields
            if vf.path not in used
        ),
        dropped=tuple(dropped),
        notes=tuple(notes),
        samples_checked=len(records),
    )
