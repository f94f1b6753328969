"""``suggest()``: a checked, explained mapping proposal for one canonical model."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from canonical import ConfigurationError
from mapping._rules import Rule
from mapping._targets import resolve_model
from mapping.suggest._assemble import assemble
from mapping.suggest._check import check_candidates
from mapping.suggest._fields import VendorField, collect_fields
from mapping.suggest._groups import mark_address_groups
from mapping.suggest._lines import suggest_lines
from mapping.suggest._match import match
from mapping.suggest._merge import merge_llm
from mapping.suggest._proposal import Proposal
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
    mark_address_groups(fields)
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
        result, merged = merge_llm(model, candidates, refined.candidates, records, targets, fields)
        notes.extend(merged)
    else:
        result = check_candidates(model, candidates, records)
    guess = None
    if model == "Invoice":
        base = {
            t: r if isinstance(r, Rule) else Rule.model_validate(r)
            for c, _ in result.kept
            for t, r in c.rules.items()
        }
        guess = suggest_lines(fields, records, base)
    return assemble(model, result, guess, fields, records, notes)


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
