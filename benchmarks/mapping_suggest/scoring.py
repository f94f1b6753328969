"""Scoring a proposal against a gold mapping: true/false positives, misses, unsafe ids.

Gold and proposals are compared as flat ``target -> source`` pairs. Invoice lines count
too: ``lines`` is the pair (lines, path of the line list) and each line rule the pair
(``lines.<field>``, ``<list path>[*].<path in the line>``), so a line rule is right only
when its list is right as well.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Counts", "accepted", "flat_gold", "flat_proposal", "score", "unsafe_remote_id"]


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Counts) -> None:
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _options(gold: Any) -> list[Any]:
    return gold if isinstance(gold, list) else [gold]


def accepted(gold: Any, within: str = "") -> set[str]:
    """The source texts the gold accepts (joined sources as ``a + b``), under ``within``."""
    out = set()
    for option in _options(gold):
        paths = option["sources"] if isinstance(option, dict) else [option]
        out.add(" + ".join(_under(within, p) for p in paths))
    return out


def _under(within: str, path: str) -> str:
    return f"{within}[*].{path}" if within else path


def flat_gold(gold: dict[str, Any], *, lines: bool = True) -> dict[str, set[str]]:
    """Target -> accepted sources, line rules as ``lines.<field>``."""
    flat = {target: accepted(want) for target, want in gold.items() if target != "lines"}
    block = gold.get("lines")
    if lines and isinstance(block, dict):
        flat["lines"] = {block["source"]}
        for target, want in block["rules"].items():
            flat[f"lines.{target}"] = accepted(want, block["source"])
    return flat


def flat_proposal(proposal: Any, *, lines: bool = True) -> dict[str, str]:
    """Target -> source of a ``mapping.suggest.Proposal``, in the same form as the gold."""
    flat = {rule.target: rule.source for rule in proposal.rules}
    section = getattr(proposal, "lines", None)  # None too for proposals of older versions
    if lines and section is not None:
        where = section.source
        flat["lines"] = where
        for rule in section.rules:
            parts = rule.source.split(" + ")
            flat[f"lines.{rule.target}"] = " + ".join(_under(where, p) for p in parts)
    return flat


def score(predicted: dict[str, str], gold: dict[str, set[str]]) -> tuple[Counts, list[str]]:
    """Counts and one line per wrong pair (FP: proposed wrongly, FN: gold not proposed)."""
    counts, errors = Counts(), []
    for target, source in predicted.items():
        if source in gold.get(target, ()):
            counts.tp += 1
            continue
        counts.fp += 1
        expected = sorted(gold[target]) if target in gold else "unmapped"
        errors.append(f"FP {target} <- {source} (gold: {expected})")
    for target, want in gold.items():
        if predicted.get(target) in want:
            continue
        counts.fn += 1
        if target not in predicted:
            errors.append(f"FN {target} (gold: {sorted(want)})")
    return counts, errors


def unsafe_remote_id(case: dict[str, Any], source: str | None) -> str | None:
    """Why a proposed ``remote_id`` source is dangerous, or None.

    Dangerous: the same value in two samples (every record would get one id and overwrite
    the others), or a field the gold does not accept that names another record (``*_id``).
    """
    from mapping import parse_path

    if source is None or " + " in source:
        return None
    get = parse_path(source).getter()
    values = [get(sample) for sample in case["samples"]]
    present = [repr(v) for v in values if v is not None]
    if len(present) > 1 and len(set(present)) < len(present):
        return f"remote_id <- {source}: a value repeats across samples"
    if source not in accepted(case["gold"].get("remote_id", [])):
        leaf = source.rsplit(".", 1)[-1].lower()
        if leaf.endswith("id") and leaf != "id":
            return f"remote_id <- {source}: names another record"
    return None
