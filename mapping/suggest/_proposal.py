"""What a suggestion returns: proposed rules, unmapped vendor fields and dropped rules."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from canonical import MappingError
from mapping._model import Mapping
from mapping._overrides import AnyMapping, MappingOverride
from mapping._rules import Rule

__all__ = [
    "DroppedRule",
    "MissingField",
    "Proposal",
    "ProposedLines",
    "ProposedRule",
    "SampleValue",
    "UnmappedField",
]

_DATA = ConfigDict(extra="forbid", frozen=True)
Origin = Literal["matcher", "llm"]


class SampleValue(BaseModel):
    """One sample: the vendor value before and the canonical value after the rule."""

    model_config = _DATA

    before: JsonValue
    after: JsonValue


class ProposedRule(BaseModel):
    """A rule that passed its check on the samples."""

    model_config = _DATA

    target: str = Field(description="canonical field, e.g. 'email' or 'billing_address.city'")
    source: str = Field(description="vendor path the rule reads")
    transform: str | None = None
    args: dict[str, Any] = Field(default_factory=dict)
    confidence: float = Field(ge=0.0, le=1.0)
    rationale: str
    samples: tuple[SampleValue, ...] = ()
    origin: Origin = "matcher"
    rules: dict[str, Rule] = Field(
        description="the mapping rules (money from decimals takes '<field>.amount' and "
        "'<field>.currency')"
    )


class DroppedRule(BaseModel):
    """A candidate rule refused by the check, and why."""

    model_config = _DATA

    target: str
    source: str | None
    transform: str | None = None
    reason: str
    origin: Origin = "matcher"


class UnmappedField(BaseModel):
    """A vendor field no rule reads: a candidate for ``custom_fields``."""

    model_config = _DATA

    path: str
    descriptor: str = Field(description="type and value pattern, e.g. 'string(email-like)'")


class ProposedLines(BaseModel):
    """The invoice-lines section: the vendor's list of line items and a rule per line field."""

    model_config = _DATA

    source: str = Field(description="vendor path of the list of line items, e.g. 'line_items'")
    confidence: float = Field(ge=0.0, le=1.0)
    rationale: str
    rules: tuple[ProposedRule, ...] = Field(
        description="rules for InvoiceLine fields; their sources are paths inside one line"
    )

    def mapping_rules(self) -> dict[str, Rule]:
        return {name: rule for proposed in self.rules for name, rule in proposed.rules.items()}


class MissingField(BaseModel):
    """Something a loadable mapping needs that the samples did not give: why, and what to add."""

    model_config = _DATA

    target: str
    reason: str
    hint: str


class Proposal(BaseModel):
    """A suggested mapping for one canonical model, explained and checked on samples."""

    model_config = _DATA

    model: str
    rules: tuple[ProposedRule, ...] = ()
    lines: ProposedLines | None = None
    missing: tuple[MissingField, ...] = Field(
        default=(), description="required fields without a rule: the mapping cannot load yet"
    )
    unmapped: tuple[UnmappedField, ...] = ()
    dropped: tuple[DroppedRule, ...] = ()
    notes: tuple[str, ...] = ()
    samples_checked: int = 0

    @property
    def complete(self) -> bool:
        """Whether ``to_mapping`` can build a loadable mapping from this proposal."""
        return not self.missing

    def rule_for(self, target: str) -> ProposedRule | None:
        """The rule for ``target`` (``lines.<field>`` for a line rule), or None."""
        if target.startswith("lines.") and self.lines is not None:
            name = target.removeprefix("lines.")
            return next((r for r in self.lines.rules if r.target == name), None)
        return next((r for r in self.rules if r.target == target), None)

    def mapping_rules(self) -> dict[str, Rule]:
        """Every mapping rule of the proposal, by target."""
        return {name: rule for proposed in self.rules for name, rule in proposed.rules.items()}

    def to_mapping(self, name: str, version: str = "0.1.0", description: str = "") -> Mapping:
        """A standalone ``Mapping``; ``MappingError`` saying what to add if one is missing."""
        if self.missing:
            first = self.missing[0]
            others = "; ".join(f"{m.target}: {m.reason}" for m in self.missing[1:])
            raise MappingError(
                f"the proposal cannot become a loadable {self.model} mapping: {first.target}: "
                f"{first.reason}" + (f"; also {others}" if others else ""),
                rule=first.target,
                hint=first.hint,
            )
        data: dict[str, Any] = {
            "name": name,
            "model": self.model,
            "version": version,
            "description": description or f"suggested mapping to {self.model}",
            "rules": self.mapping_rules(),
        }
        if self.lines is not None:
            data["lines"] = {"source": self.lines.source, "rules": self.lines.mapping_rules()}
        return Mapping.model_validate(data)

    def to_override(
        self,
        base: AnyMapping | None = None,
        *,
        replace: bool = False,
        custom_fields: bool = False,
        version: str | None = None,
    ) -> MappingOverride:
        """An override of ``base`` (a connection's mapping) holding the proposed rules.

        Without ``replace`` only targets the base has no rule for are added; with
        ``custom_fields`` every unmapped vendor field goes to ``custom_fields.<key>``.
        """
        if base is not None and base.model != self.model:
            raise MappingError(
                f"the proposal is for {self.model} but the base mapping maps {base.model}",
                hint="suggest for the model the connection's mapping produces",
            )
        rules: dict[str, Rule] = {}
        for proposed in self.rules:
            if base is None or replace or not _covered(base, proposed.target):
                rules.update(proposed.rules)
        same_list = (
            self.lines is not None
            and base is not None
            and base.lines is not None
            and base.lines.source == self.lines.source  # an override cannot move the list
        )
        if same_list and self.lines is not None and base is not None:
            for proposed in self.lines.rules:
                if replace or not _covered(base, f"lines.{proposed.target}"):
                    rules.update({f"lines.{t}": r for t, r in proposed.rules.items()})
        if custom_fields:
            for field in self.unmapped:
                if "[" not in field.path and not (base and _reads(base, field.path)):
                    rules[f"custom_fields.{_key(field.path)}"] = Rule(source=field.path)
        return MappingOverride(version=version, rules=rules)


def _covered(base: AnyMapping, target: str) -> bool:
    return any(t == target or t.startswith(target + ".") for t in base.targets())


def _reads(base: AnyMapping, path: str) -> bool:
    parent, _, leaf = path.rpartition(".")
    return leaf in base.source_paths(parent or None)


def _key(path: str) -> str:
    return path.replace(".", "_")
