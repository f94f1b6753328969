"""Merging the LLM pass into the matcher's proposal: the LLM may add, never silently remove.

- An LLM answer of "no source" for a target the matcher filled removes nothing: the
  matcher's rule stays and a note says the LLM doubted it.
- An LLM rule for a target the matcher left empty is added if it passes the check.
- An LLM rule that differs from the matcher's replaces it only if it passes the check and
  is better by the proposal's own evidence: its source has values in at least as many
  samples and its values fit the target at least as well, and the matcher was not sure
  (confidence below ``SURE``). Otherwise the matcher's rule stays and a note names the
  LLM's alternative. A replacement that fails the check brings the matcher's rule back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mapping.suggest._check import Candidate, CheckResult, check_candidates
from mapping.suggest._fields import VendorField
from mapping.suggest._score import type_score
from mapping.suggest._targets import TargetField

__all__ = ["SURE", "merge_llm"]

SURE = 0.9
"""Matcher confidence from which an LLM's different rule is only noted, not taken."""


@dataclass(frozen=True)
class _Evidence:
    coverage: int
    fit: float


def _paths(cand: Candidate) -> list[str]:
    return [p.strip() for p in cand.source.split(" + ") if p.strip()]


def _evidence(
    cand: Candidate, target: TargetField | None, fields: dict[str, VendorField]
) -> _Evidence:
    found = [fields[p] for p in _paths(cand) if p in fields]
    coverage = max((vf.present for vf in found), default=0)
    fit = max((type_score(target, vf) for vf in found), default=0.0) if target else 0.0
    return _Evidence(coverage, fit)


def _better(new: _Evidence, old: _Evidence) -> bool:
    return new.coverage >= old.coverage and new.fit >= old.fit


def merge_llm(
    model: str,
    matcher: list[Candidate],
    llm: list[Candidate],
    records: list[dict[str, Any]],
    targets: tuple[TargetField, ...],
    fields: list[VendorField],
) -> tuple[CheckResult, list[str]]:
    """The checked merge of both rule sets, and notes on what the LLM proposed but lost."""
    notes: list[str] = []
    by_target = {c.target: c for c in matcher}
    kinds = {t.name: t for t in targets}
    by_path = {vf.path: vf for vf in fields}
    for cand in llm:
        mine = by_target.get(cand.target)
        if not cand.rules and mine is not None:
            notes.append(
                f"the LLM suggested leaving {cand.target} unmapped; the matcher's rule "
                f"({cand.target} <- {mine.source}) is kept: review it"
            )
    offered = [c for c in llm if c.rules]
    taken = {c.target for c in offered}
    first = check_candidates(
        model, offered + [c for c in matcher if c.target not in taken], records
    )
    keep: list[Candidate] = []
    restore: list[Candidate] = []
    for cand, _pairs in first.kept:
        mine = by_target.get(cand.target)
        if cand.origin != "llm" or mine is None or _same(cand, mine):
            keep.append(mine if mine is not None and _same(cand, mine) else cand)
            continue
        new = _evidence(cand, kinds.get(cand.target), by_path)
        old = _evidence(mine, kinds.get(cand.target), by_path)
        if mine.confidence < SURE and _better(new, old):
            keep.append(cand)
        else:
            restore.append(mine)
            notes.append(
                f"the LLM proposed {cand.target} <- {cand.source}; the matcher's "
                f"{cand.target} <- {mine.source} is kept (it is at least as well supported "
                "by the samples)"
            )
    failed = {c.target for c, _ in first.dropped if c.origin == "llm"}
    restore += [c for c in matcher if c.target in failed]
    if not restore and len(keep) == len(first.kept):
        return CheckResult(first.kept, first.dropped), notes
    second = check_candidates(model, keep + restore, records)
    return CheckResult(second.kept, first.dropped + second.dropped), notes


def _same(a: Candidate, b: Candidate) -> bool:
    return a.source == b.source and a.transform == b.transform
