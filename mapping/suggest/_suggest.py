"""``suggest()``: a checked, explained mapping proposal for one canonical model."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from canonical import ConfigurationError
from mapping._targets import resolve_model
from mapping.suggest._check import Candidate, CheckResult, check_candidates
from mapping.suggest._fields import VendorField, collect_fields
from mapping.suggest._match import match
from mapping.suggest._proposal import (
    DroppedRule,
    Proposal,
    ProposedRule,
    SampleValue,
    UnmappedField,
)
from mapping.suggest._schema import schema_samples
from mapping.suggest._targets import target_fields

if TYPE_CHECKING:
    from mapping.llm import LLMClient, RefineOptions

__all__ = ["suggest"]


def suggest(
    model: str,
    *,
    samples: list[dict[str, Any]] | None = None,
    schema: dict[str, Any] | None = None,
    llm: LLMClient | None = None,
    send_values: bool = False,
    llm_options: RefineOptions | None = None,
) -> Proposal:
    """Propose rules filling ``model`` from vendor ``samples`` or a JSON/OpenAPI ``schema``.

    The deterministic matcher always runs; ``llm`` refines its proposal (sending only field
    names, types and shapes unless ``send_values``). Every rule is checked on the samples
    (synthesised from the schema when none are given); failures are in ``dropped``.
    ``llm_options`` is a ``mapping.llm.RefineOptions`` (budget, batch size, re-asks).
    """
    resolve_model(model)
    records, fields = _inputs(samples, schema)
    targets = target_fields(model)
    candidates = match(targets, fields)
    notes: list[str] = []
    if llm is not None:
        from mapping.llm import refine

        refined = refine(
            llm, model, targets, fields, candidates, records,
            send_values=send_values, options=llm_options,
        )  # fmt: skip
        notes.extend(refined.notes)
        result = _check_with_llm(model, candidates, refined.candidates, records)
    else:
        result = check_candidates(model, candidates, records)
    return _proposal(model, result, fields, records, notes)


def _inputs(
    samples: list[dict[str, Any]] | None, schema: dict[str, Any] | None
) -> tuple[list[dict[str, Any]], list[VendorField]]:
    if samples:
        if not all(isinstance(s, dict) for s in samples):
            raise ConfigurationError(
                "samples must be vendor records (JSON objects)",
                hint="pass a list of dicts, e.g. the raw records of one API page",
            )
        return samples, collect_fields(samples)
    if schema is not None:
        records, declared = schema_samples(schema)
        fields = collect_fields(records)
        by_path = {vf.path: vf for vf in declared}
        for vf in fields:
            known = by_path.get(vf.path)
            if known is not None:
                vf.enum, vf.description, vf.from_schema = known.enum, known.description, True
        return records, fields
    raise ConfigurationError(
        "nothing to suggest from: give sample records or a schema",
        hint="pass samples=[...] (raw vendor records) or schema={...} (JSON Schema/OpenAPI)",
    )


def _check_with_llm(
    model: str, matcher: list[Candidate], llm: list[Candidate], records: list[dict[str, Any]]
) -> CheckResult:
    """The LLM's rules win for their targets; a dropped LLM rule falls back to the matcher's."""
    decided = {c.target for c in llm}
    first = check_candidates(
        model,
        [c for c in llm if c.rules] + [c for c in matcher if c.target not in decided],
        records,
    )
    removed = [
        (c, f"the LLM left {c.target} unmapped: {u.rationale}")
        for u in llm
        if not u.rules
        for c in matcher
        if c.target == u.target
    ]
    failed = {c.target for c, _ in first.dropped if c.origin == "llm"}
    fallback = [c for c in matcher if c.target in failed]
    if not fallback:
        return CheckResult(first.kept, first.dropped + removed)
    second = check_candidates(model, [c for c, _ in first.kept] + fallback, records)
    return CheckResult(second.kept, first.dropped + second.dropped + removed)


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _proposal(
    model: str,
    result: CheckResult,
    fields: list[VendorField],
    records: list[dict[str, Any]],
    notes: list[str],
) -> Proposal:
    rules = [
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
        for cand, pairs in result.kept
    ]
    dropped = [
        DroppedRule(
            target=cand.target,
            source=cand.source or None,
            transform=cand.transform,
            reason=reason,
            origin="llm" if cand.origin == "llm" else "matcher",
        )
        for cand, reason in result.dropped
    ]
    used = {p for r in rules for rule in r.rules.values() for p in rule.paths()}
    unmapped = [
        UnmappedField(path=vf.path, descriptor=vf.descriptor)
        for vf in fields
        if vf.path not in used
    ]
    order = {t: i for i, t in enumerate(t.name for t in target_fields(model))}
    rules.sort(key=lambda r: order.get(r.target, len(order)))
    return Proposal(
        model=model,
        rules=tuple(rules),
        unmapped=tuple(unmapped),
        dropped=tuple(dropped),
        notes=tuple(notes),
        samples_checked=len(records),
    )
