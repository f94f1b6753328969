"""The LLM pass: batches of target fields, a token budget, bounded re-asks on bad JSON.

Each batch asks for rules for some target fields; the answer is validated against
:class:`LLMAnswer` and re-asked (with the validation error) at most ``max_reasks`` times.
Before each request the estimated cost is checked against the total budget; when it is
spent the pass stops and says so, and the remaining targets keep the matcher's rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from canonical import AdapterError
from mapping.llm._prompt import (
    ANSWER_SCHEMA,
    SYSTEM,
    Aliases,
    LLMAnswer,
    LLMRule,
    estimate_tokens,
    parse_answer,
    prompt,
)
from mapping.llm._types import LLMClient, LLMRequest, Message
from mapping.suggest import Candidate, TargetField, VendorField

__all__ = ["RefineOptions", "Refined", "refine"]


@dataclass(frozen=True)
class RefineOptions:
    token_budget: int = 60_000
    """Total tokens (prompt + answer, estimated or as reported) for the whole pass."""
    max_request_tokens: int = 12_000
    """Prompt size a single request stays under; targets are batched to fit."""
    max_answer_tokens: int = 2_000
    max_reasks: int = 2


@dataclass
class Refined:
    candidates: list[Candidate] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    tokens_used: int = 0
    requests: int = 0


def _batches(
    model: str, targets: list[TargetField], fields: list[VendorField],
    current: list[Candidate], send_values: bool, limit: int, aliases: Aliases,
) -> list[tuple[list[TargetField], str]]:  # fmt: skip
    def text(batch: list[TargetField]) -> str:
        return prompt(model, batch, fields, current, send_values=send_values, aliases=aliases)

    out: list[tuple[list[TargetField], str]] = []
    batch: list[TargetField] = []
    for target in targets:
        trial = [*batch, target]
        if batch and estimate_tokens(text(trial)) > limit:
            out.append((batch, text(batch)))
            batch = [target]
        else:
            batch = trial
    if batch:
        out.append((batch, text(batch)))
    return out


def refine(
    client: LLMClient,
    model: str,
    targets: tuple[TargetField, ...],
    fields: list[VendorField],
    current: list[Candidate],
    samples: list[dict[str, Any]],
    *,
    send_values: bool = False,
    options: RefineOptions | None = None,
) -> Refined:
    """Ask ``client`` to refine the matcher's candidates; never raises for a bad answer."""
    opts = options or RefineOptions()
    result = Refined()
    aliases = Aliases([vf.path for vf in fields], reveal=send_values)
    batches = _batches(
        model, list(targets), fields, current, send_values, opts.max_request_tokens, aliases
    )
    currency = next((c.source for c in current if c.target == "currency"), None)
    for index, (batch, text) in enumerate(batches, start=1):
        answer = _ask(client, text, {t.name for t in batch}, opts, result, index, len(batches))
        if answer is None:
            if result.notes and "budget" in result.notes[-1]:
                break
            continue
        kinds = {t.name: t.kind for t in batch}
        for rule in answer.rules:
            real = _unalias(rule, aliases)
            result.candidates.append(_candidate(real, kinds[rule.target], currency, client.name))
    return result


def _ask(
    client: LLMClient, text: str, names: set[str], opts: RefineOptions,
    result: Refined, index: int, total: int,
) -> LLMAnswer | None:  # fmt: skip
    messages = [Message("user", text)]
    problem = ""
    for _attempt in range(opts.max_reasks + 1):
        cost = sum(estimate_tokens(m.content) for m in messages) + opts.max_answer_tokens
        if result.tokens_used + cost > opts.token_budget:
            result.notes.append(
                f"LLM token budget ({opts.token_budget}) spent after {index - 1} of {total} "
                f"batches ({result.tokens_used} tokens used); the other targets keep the "
                "matcher's rules"
            )
            return None
        request = LLMRequest(
            SYSTEM, tuple(messages), ANSWER_SCHEMA, max_tokens=opts.max_answer_tokens
        )
        try:
            reply = client.complete(request)
        except AdapterError as exc:
            if not exc.retryable:
                raise
            result.notes.append(f"LLM pass stopped at batch {index} of {total}: {exc.message}")
            return None
        result.requests += 1
        used = (reply.input_tokens or 0) + (reply.output_tokens or 0)
        result.tokens_used += used or cost
        try:
            return parse_answer(reply.text, names)
        except ValueError as exc:
            problem = str(exc)
            messages += [Message("assistant", reply.text[:4000]), Message("user", _reask(problem))]
    result.notes.append(
        f"LLM answer for batch {index} of {total} was invalid after {opts.max_reasks + 1} "
        f"attempts ({problem[:200]}); those targets keep the matcher's rules"
    )
    return None


def _reask(problem: str) -> str:
    return f"That answer was invalid: {problem}. Answer again with JSON only, matching the schema."


def _unalias(rule: LLMRule, aliases: Aliases) -> LLMRule:
    """The rule with the real vendor paths for the aliases it was shown."""
    update: dict[str, Any] = {}
    if rule.source is not None:
        update["source"] = aliases.real(rule.source)
    if rule.sources:
        update["sources"] = [aliases.real(p) for p in rule.sources]
    return rule.model_copy(update=update)


def _candidate(rule: LLMRule, kind: str, currency: str | None, name: str) -> Candidate:
    rationale = f"{name}: {rule.rationale}".strip()
    if rule.sources:
        transform = rule.transform or "join"
        joined: dict[str, Any] = {"sources": list(rule.sources), "transform": transform}
        if rule.args:
            joined["args"] = rule.args
        return Candidate(
            rule.target, " + ".join(rule.sources), {rule.target: joined}, transform,
            rule.confidence, rationale, origin="llm", args=dict(rule.args),
        )  # fmt: skip
    if rule.source is None:
        return Candidate(rule.target, "", {}, None, rule.confidence, rationale, origin="llm")
    data: dict[str, Any] = {"source": rule.source}
    if rule.transform:
        data["transform"] = rule.transform
    if rule.args:
        data["args"] = rule.args
    rules: dict[str, Any] = {rule.target: data}
    if kind == "money" and rule.transform == "decimal" and currency is not None:
        rules = {
            f"{rule.target}.amount": data,
            f"{rule.target}.currency": {"source": currency, "transform": "upper"},
        }
    return Candidate(
        rule.target, rule.source, rules, rule.transform, rule.confidence, rationale,
        origin="llm", args=dict(rule.args),
    )  # fmt: skip
