"""Checking candidate rules by compiling them into a mapping and running it on the samples.

A candidate that names a path absent from every sample, a transform that does not exist,
bad args, or that fails (or yields an invalid canonical value) on any sample is dropped
with the reason; the others are kept with their sample values before -> after.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from canonical import MappingError, Source
from mapping._model import Mapping
from mapping._paths import parse_path
from mapping._rules import Rule

__all__ = ["Candidate", "CheckResult", "check_candidates"]

_SOURCE = Source(adapter="suggest", connection_id="suggest")
_FILLERS: dict[str, dict[str, Any]] = {
    "remote_id": {"const": "suggest-check"},
    "status": {"const": "draft"},
    "currency": {"const": "USD"},
}
_SAMPLES_SHOWN = 3


@dataclass
class Candidate:
    """A rule set filling one target, before it is checked."""

    target: str
    source: str
    rules: dict[str, Any]
    """target -> Rule or raw rule data (an LLM answer is checked before it is a Rule)."""
    transform: str | None
    confidence: float
    rationale: str
    origin: str = "matcher"
    args: dict[str, Any] = field(default_factory=dict)


@dataclass
class CheckResult:
    kept: list[tuple[Candidate, list[tuple[Any, Any]]]]
    dropped: list[tuple[Candidate, str]]


def check_candidates(
    model: str,
    candidates: list[Candidate],
    samples: list[dict[str, Any]],
    *,
    lines: str | None = None,
    base: dict[str, Rule] | None = None,
) -> CheckResult:
    """Keep the candidates that load and map every sample; drop the rest with a reason.

    With ``lines`` (the path of the invoice's line list) the candidates are line rules,
    checked on every line of every sample under the invoice's ``base`` rules.
    """
    check = _Check(model, lines, dict(base or {}))
    dropped: list[tuple[Candidate, str]] = []
    alive: list[tuple[Candidate, dict[str, Rule]]] = []
    records = check.records(samples)
    for cand in candidates:
        problem, rules = _static_problem(cand, records)
        if problem is not None:
            dropped.append((cand, problem))
        else:
            alive.append((cand, rules))
    while True:
        if lines is not None and not any("amount" in rules for _c, rules in alive):
            dropped += [(c, "no rule for the line amount (required) is left") for c, _ in alive]
            return CheckResult([], dropped)
        failure = _run(check, alive, samples)
        if failure is None:
            break
        index, reason = failure
        dropped.append((alive.pop(index)[0], reason))
    mapped = check.outputs(check.apply(alive, samples))
    kept = [(cand, _before_after(cand, rules, records, mapped)) for cand, rules in alive]
    return CheckResult(kept, dropped)


@dataclass(frozen=True)
class _Check:
    """Builds the trial mapping: top-level rules, or line rules under ``lines``."""

    model: str
    lines: str | None
    base: dict[str, Rule]

    def records(self, samples: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """What rules read: the samples, or every line item of them."""
        if self.lines is None:
            return samples
        get = parse_path(self.lines).getter()
        return [i for s in samples for i in (get(s) or []) if isinstance(i, dict)]

    def outputs(self, mapped: list[BaseModel]) -> list[Any]:
        if self.lines is None:
            return list(mapped)
        return [line for obj in mapped for line in getattr(obj, "lines", None) or []]

    def mapping(self, rules: dict[str, Rule]) -> Mapping:
        if self.lines is None:
            return _mapping(self.model, rules)
        return _mapping(self.model, self.base, {"source": self.lines, "rules": rules})

    def rule_name(self, rule: str | None) -> str | None:
        if rule is not None and self.lines is not None:
            return rule.removeprefix("lines.")
        return rule

    def apply(
        self, alive: list[tuple[Candidate, dict[str, Rule]]], samples: list[dict[str, Any]]
    ) -> list[BaseModel]:
        compiled = self.mapping({t: r for _c, rs in alive for t, r in rs.items()}).compile()
        return [compiled.apply(sample, source=_SOURCE) for sample in samples]


def _static_problem(
    cand: Candidate, samples: list[dict[str, Any]]
) -> tuple[str | None, dict[str, Rule]]:
    rules: dict[str, Rule] = {}
    for target, data in cand.rules.items():
        try:
            rule = data if isinstance(data, Rule) else Rule.model_validate(data)
        except ValidationError as exc:
            problems = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
            return f"invalid rule: {problems}", {}
        except (ValueError, MappingError) as exc:
            return f"invalid rule: {_first_line(exc)}", {}
        for path in rule.paths():
            getter = parse_path(path).getter()
            if samples and all(_missing(getter(s), path, s) for s in samples):
                return f"source path {path!r} does not exist in any sample", {}
        rules[target] = rule
    return None, rules


def _missing(value: Any, path: str, sample: dict[str, Any]) -> bool:
    if value is not None:
        return False
    parent, _, leaf = path.rpartition(".")
    holder = parse_path(parent).getter()(sample) if parent else sample
    return not (isinstance(holder, dict) and leaf in holder)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _mapping(model: str, rules: dict[str, Rule], lines: dict[str, Any] | None = None) -> Mapping:
    data: dict[str, Any] = dict(rules)
    for name, filler in _FILLERS.items():
        if name not in data and not (model == "Customer" and name != "remote_id"):
            data[name] = filler
    document = {"name": "suggest-check", "model": model, "version": "0.0.0", "rules": data}
    if lines is not None:
        document["lines"] = lines
    return Mapping.model_validate(document)


def _owner(alive: list[tuple[Candidate, dict[str, Rule]]], rule: str | None) -> int | None:
    if rule is None:
        return None
    for index, (_cand, rules) in enumerate(alive):
        if rule in rules or any(
            rule.startswith(t + ".") or t.startswith(rule + ".") for t in rules
        ):
            return index
    return None


def _run(
    check: _Check, alive: list[tuple[Candidate, dict[str, Rule]]], samples: list[dict[str, Any]]
) -> tuple[int, str] | None:
    try:
        check.apply(alive, samples)
    except MappingError as exc:
        if not alive:
            raise  # the check's own fillers cannot fail; anything else is a bug worth seeing
        index = _owner(alive, check.rule_name(exc.rule))
        if index is None:
            index = _isolate(check, alive, samples)
        if index is None:  # no single rule to blame: give up the least confident one
            index = min(range(len(alive)), key=lambda i: alive[i][0].confidence)
        return index, f"fails on the samples: {exc.message}"
    return None


def _isolate(
    check: _Check, alive: list[tuple[Candidate, dict[str, Rule]]], samples: list[dict[str, Any]]
) -> int | None:
    """The candidate whose removal lets the others map every sample (record-level errors)."""
    for index in range(len(alive)):
        try:
            check.apply([a for i, a in enumerate(alive) if i != index], samples)
        except MappingError:
            continue
        return index
    return None


def _before_after(
    cand: Candidate, rules: dict[str, Rule], samples: list[dict[str, Any]], mapped: list[Any]
) -> list[tuple[Any, Any]]:
    paths = next(iter(rules.values())).paths() if rules else ()
    getters = [parse_path(p).getter() for p in paths]
    out: list[tuple[Any, Any]] = []
    for sample, obj in zip(samples, mapped, strict=True):
        values = [get(sample) for get in getters]
        if all(v is None for v in values):
            continue
        before = values[0] if len(values) == 1 else values
        out.append((before, _field(obj, cand.target)))
        if len(out) == _SAMPLES_SHOWN:
            break
    return out


def _field(obj: BaseModel, target: str) -> Any:
    value: Any = obj
    for part in target.split("."):
        value = getattr(value, part, None) if not isinstance(value, dict) else value.get(part)
    return value.model_dump(mode="json") if isinstance(value, BaseModel) else value
