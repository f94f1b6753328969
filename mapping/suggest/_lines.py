"""Invoice lines: find the vendor's list of line items and propose the ``lines`` section.

A line list is a list of objects under the invoice (``Line``, ``line_items``,
``invoice_lines``, ``item.items``...) whose items carry an amount and at least one other
line field (quantity, unit price, description). Its items are matched against the
``InvoiceLine`` fields like a record; money takes the line's currency code, else the
invoice's. Without a checked rule for the line amount (required) there are no lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from mapping._paths import parse_path
from mapping._rules import Rule
from mapping.suggest._check import Candidate, CheckResult, check_candidates
from mapping.suggest._fields import VendorField, collect_fields
from mapping.suggest._match import match
from mapping.suggest._targets import line_targets
from mapping.suggest._tokens import phrase

__all__ = ["LineGuess", "suggest_lines"]

_LIST = re.compile(r"^(.*?)\[0\]")
_LINE_WORDS = frozenset({"line", "item", "entry", "charge", "detail", "product"})
_OTHER = ("quantity", "unit_amount", "description")


@dataclass
class LineGuess:
    """The chosen line list, its checked rules and why it was chosen."""

    source: str
    result: CheckResult
    confidence: float
    rationale: str


def _lists(fields: list[VendorField]) -> list[str]:
    out: list[str] = []
    for vf in fields:
        found = _LIST.match(vf.path)
        if found and found.group(1) not in out:
            out.append(found.group(1))
    return out


def _items(source: str, samples: list[dict[str, Any]]) -> list[dict[str, Any]]:
    get = parse_path(source).getter()
    return [item for s in samples for item in (get(s) or []) if isinstance(item, dict)]


def _before_tax(candidates: list[Candidate], fields: list[VendorField]) -> list[Candidate]:
    """The line amount is before tax: a ``total`` with a ``subtotal`` beside it gives way."""
    paths = {vf.path for vf in fields}
    out = []
    for cand in candidates:
        parent, _, leaf = cand.source.rpartition(".")
        twin = f"{parent}.subtotal" if parent else "subtotal"
        free = twin in paths and not any(c.source == twin for c in candidates)
        if cand.target == "amount" and phrase(leaf) == ("total",) and free:
            rules = {t: r.model_copy(update={"source": twin}) for t, r in cand.rules.items()}
            cand = replace(
                cand, source=twin, rules=rules,
                rationale=f"{cand.rationale}; the subtotal beside {leaf} is before tax",
            )  # fmt: skip
        out.append(cand)
    return out


def suggest_lines(
    fields: list[VendorField], samples: list[dict[str, Any]], base: dict[str, Rule]
) -> LineGuess | None:
    """The best line list of the samples with its checked rules, or None.

    ``base`` holds the invoice's checked rules (its currency rule is the lines' fallback).
    """
    currency_rule = base.get("currency")
    currency = currency_rule.source if currency_rule is not None else None
    best: tuple[float, str, list[Candidate]] | None = None
    for source in _lists(fields):
        items = _items(source, samples)
        if not items:
            continue
        item_fields = collect_fields(items)
        candidates = _before_tax(
            match(line_targets(), item_fields, currency=currency, line=True), item_fields
        )
        found = {c.target for c in candidates}
        if "amount" not in found or not found & set(_OTHER):
            continue
        named = bool(set(phrase(source.rpartition(".")[2])) & _LINE_WORDS)
        rank = len(found) + (3 if named else 0)
        if best is None or rank > best[0]:
            best = (rank, source, candidates)
    if best is None:
        return None
    _rank, source, candidates = best
    result = check_candidates("Invoice", candidates, samples, lines=source, base=base)
    if not any(c.target == "amount" for c, _ in result.kept):
        return None
    kept = len(result.kept)
    confidence = min(0.95, 0.5 + 0.05 * kept)
    why = f"list of objects with {kept} line fields ({', '.join(c.target for c, _ in result.kept)})"
    return LineGuess(source, result, confidence, why)
