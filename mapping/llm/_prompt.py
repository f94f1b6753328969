"""What the LLM is told and what it must answer.

Privacy by default: the prompt carries the canonical targets, the vendor field *paths*
with type/shape descriptors (``string(email-like)``) and the matcher's current choice of
path and transform. Sample values, and enum value maps built from them, are added only
with ``send_values=True``; enum values a schema declares are not sample data and are sent.
Keys under free-form maps (``metadata``, custom fields) are data too (``metadata.jane.doe
@example.com``): without ``send_values`` they are sent as ``metadata.<key1>`` and the
answer's aliases are read back.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mapping._registry import get_transform, transform_names
from mapping.suggest import Candidate, TargetField, VendorField

__all__ = [
    "ANSWER_SCHEMA",
    "SYSTEM",
    "Aliases",
    "LLMAnswer",
    "LLMRule",
    "estimate_tokens",
    "parse_answer",
    "prompt",
]

SYSTEM = (
    "You map fields of a vendor API object onto a canonical model for Canonry, an integration "
    "framework. For each target field listed, choose the vendor path that fills it and the "
    "transform (from the list given) that converts the value, or source null when no vendor "
    "field fits. Money: give the amount's path with transform 'minor_units' for integer minor "
    "units (args.currency = path of the currency code) or 'decimal' for decimal amounts. "
    "Enums: transform 'enum' with args.values mapping vendor values to canonical ones. "
    "To combine several fields (a name from first and last name) give 'sources' (a list of "
    "paths) with transform 'join' or 'first_non_empty' instead of 'source'. "
    "A path with [0] reads the first item of a list: on an invoice those lists are usually "
    "the line items (listed under line_lists; they are mapped separately), so do not map "
    "them onto invoice-level targets unless the list holds one entry for the whole record. "
    "Answer source null only when you are sure no field fits; the matcher's rule is then "
    "reviewed, not removed. Answer only with JSON that matches the schema; use only paths "
    "that are listed."
)
_FREE_FORM = frozenset(
    {"metadata", "custom_fields", "customfields", "custom", "meta", "extra", "extras",
     "user_data", "tags", "labels", "note_attributes", "custom_attributes"}
)  # fmt: skip
_LIST = re.compile(r"^(.*?)\[0\]")
_MAX_EXAMPLES = 3


class LLMRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target: str
    source: str | None = Field(description="vendor path, or null to leave the target unmapped")
    sources: list[str] | None = Field(
        default=None, description="several vendor paths combined by the transform (join)"
    )
    transform: str | None = None
    args: dict[str, Any] = Field(default_factory=dict)
    confidence: float = Field(ge=0.0, le=1.0)
    rationale: str = Field(default="", max_length=300)


class LLMAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rules: list[LLMRule]


ANSWER_SCHEMA: dict[str, Any] = LLMAnswer.model_json_schema()


def parse_answer(text: str, targets: set[str]) -> LLMAnswer:
    """Validate the reply; ``ValueError`` with a message fit to send back to the model."""
    try:
        answer = LLMAnswer.model_validate_json(text)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'answer'}: {e['msg']}" for e in exc.errors()
        )
        raise ValueError(f"the answer does not fit the schema: {problems[:600]}") from None
    unknown = sorted({r.target for r in answer.rules} - targets)
    if unknown:
        raise ValueError(
            f"unknown target fields {unknown}; answer only for: {', '.join(sorted(targets))}"
        )
    both = sorted(r.target for r in answer.rules if r.source is not None and r.sources)
    if both:
        raise ValueError(f"give either source or sources, not both, for {both}")
    return answer


class Aliases:
    """Vendor paths as sent: keys under free-form maps replaced by ``<key1>``, ``<key2>``..."""

    def __init__(self, paths: list[str], *, reveal: bool) -> None:
        self._sent: dict[str, str] = {}
        self._real: dict[str, str] = {}
        keys: dict[str, str] = {}
        for path in paths:
            sent = path if reveal else self._hide(path, keys)
            self._sent[path], self._real[sent] = sent, path

    @staticmethod
    def _hide(path: str, keys: dict[str, str]) -> str:
        parts = path.split(".")
        for index, part in enumerate(parts[:-1]):
            if part.split("[")[0].lower() in _FREE_FORM:
                rest = ".".join(parts[index + 1 :])
                alias = keys.setdefault(rest, f"<key{len(keys) + 1}>")
                return ".".join([*parts[: index + 1], alias])
        return path

    def sent(self, path: str) -> str:
        return " + ".join(self._sent.get(p, p) for p in path.split(" + "))

    def real(self, path: str) -> str:
        return self._real.get(path, path)


def estimate_tokens(text: str) -> int:
    """A rough count (4 characters a token), enough to batch and budget."""
    return len(text) // 4 + 1


def _field(vf: VendorField, send_values: bool, aliases: Aliases) -> dict[str, Any]:
    entry: dict[str, Any] = {"path": aliases.sent(vf.path), "type": vf.descriptor}
    if vf.enum is not None:
        entry["allowed_values"] = vf.enum[:20]
    if vf.description:
        entry["description"] = vf.description
    if send_values and vf.values:
        entry["examples"] = [v for v in vf.distinct()[:_MAX_EXAMPLES]]
    return entry


def _current(cand: Candidate, send_values: bool, aliases: Aliases) -> dict[str, Any]:
    entry: dict[str, Any] = {"target": cand.target, "source": aliases.sent(cand.source)}
    entry["transform"] = cand.transform
    if send_values and cand.args:
        entry["args"] = cand.args
    entry["confidence"] = round(cand.confidence, 2)
    return entry


def prompt(
    model: str,
    targets: list[TargetField],
    fields: list[VendorField],
    current: list[Candidate],
    *,
    send_values: bool,
    aliases: Aliases | None = None,
) -> str:
    """The user message for one batch of targets (JSON, so the model reads it exactly)."""
    names = {t.name for t in targets}
    sent = aliases or Aliases([vf.path for vf in fields], reveal=send_values)
    lists = sorted({m.group(1) for vf in fields if (m := _LIST.match(vf.path))})
    document = {
        "canonical_model": model,
        "targets": [
            {"field": t.name, "type": t.type_name, "description": t.description} for t in targets
        ],
        "vendor_fields": [_field(vf, send_values, sent) for vf in fields],
        "line_lists": [sent.sent(p) for p in lists],
        "matcher_proposal": [_current(c, send_values, sent) for c in current if c.target in names],
        "transforms": {n: get_transform(n).description for n in transform_names()},
    }
    return json.dumps(document, default=str, separators=(",", ":"))
