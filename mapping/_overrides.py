"""Tenant overrides: rules replaced, added or removed on top of a base mapping.

``base.with_overrides(override)`` returns a :class:`LayeredMapping` that keeps a reference
to the base (its rules are never copied or mutated) and checks the override against the
base's model at once; the merged mapping is built only when compiled or exported.
Line rules are addressed as ``lines.<field>`` in ``rules`` and ``remove``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    model_validator,
)

from canonical import CanonicalModel, MappingError
from mapping._compile import CompiledMapping
from mapping._loading import load_error, parse_document, read_document, yaml_text
from mapping._model import SEMVER, Mapping
from mapping._rules import CustomFieldsOptions, LinesMapping, Rule
from mapping._targets import check_target, item_model, required_fields

__all__ = ["AnyMapping", "LayeredMapping", "MappingOverride"]


class MappingOverride(BaseModel):
    """A tenant's changes to a base mapping, as data (loadable from YAML or JSON)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    name: str | None = Field(default=None, description="name of the layered mapping")
    version: str | None = Field(default=None, pattern=SEMVER)
    rules: dict[str, Rule] = Field(default_factory=dict, description="rules to replace or add")
    remove: tuple[str, ...] = Field(default=(), description="targets whose rules to drop")
    custom_fields: CustomFieldsOptions | None = None

    @model_validator(mode="wrap")
    @classmethod
    def _refuse_clearly(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> MappingOverride:
        try:
            override: MappingOverride = handler(data)
        except ValidationError as exc:
            raise load_error(exc, "mapping override") from exc
        return override

    @model_validator(mode="after")
    def _no_contradiction(self) -> MappingOverride:
        both = sorted(set(self.rules) & set(self.remove))
        if both:
            raise MappingError(
                f"mapping override both sets and removes {', '.join(both)}; keep one",
                rule=both[0],
            )
        return self

    @classmethod
    def from_yaml(cls, text: str) -> MappingOverride:
        return cls.model_validate(parse_document(text, "yaml", "mapping override"))

    @classmethod
    def from_json(cls, text: str) -> MappingOverride:
        return cls.model_validate(parse_document(text, "json", "mapping override"))

    @classmethod
    def load(cls, path: Path | str) -> MappingOverride:
        return cls.model_validate(read_document(path, "mapping override"))

    def to_dict(self) -> dict[str, Any]:
        data = self.model_dump(mode="json", by_alias=True, exclude_defaults=True)
        data["rules"] = {target: rule.short() for target, rule in self.rules.items()}
        return data

    def to_yaml(self) -> str:
        return yaml_text(self.to_dict())


class LayeredMapping:
    """A base mapping (or another layer) with one override on top; used like a Mapping."""

    __slots__ = ("_merged", "base", "override")

    def __init__(self, base: AnyMapping, override: MappingOverride) -> None:
        self.base = base
        self.override = override
        self._merged: Mapping | None = None
        self._check()

    @property
    def name(self) -> str:
        return self.override.name or self.base.name

    @property
    def model(self) -> str:
        return self.base.model

    @property
    def version(self) -> str:
        return self.override.version or self.base.version

    @property
    def model_class(self) -> type[CanonicalModel]:
        return self.base.model_class

    @property
    def description(self) -> str:
        return self.base.description

    @property
    def rules(self) -> dict[str, Rule]:
        """The merged top-level rules (flattens the layers once, like ``compile()``)."""
        return self.merged().rules

    @property
    def lines(self) -> LinesMapping | None:
        return self.merged().lines

    @property
    def custom_fields(self) -> CustomFieldsOptions:
        return self.override.custom_fields or self.base.custom_fields

    def __repr__(self) -> str:
        return f"LayeredMapping(name={self.name!r}, version={self.version!r}, base={self.base!r})"

    def rule(self, target: str) -> Rule | None:
        """The rule in force for ``target`` (``lines.<field>`` for line rules), or None."""
        if target in self.override.rules:
            return self.override.rules[target]
        if target in self.override.remove:
            return None
        return self.base.rule(target)

    def targets(self) -> list[str]:
        """Every target with a rule in force, base order first, then added ones."""
        seen = [t for t in self.base.targets() if t not in self.override.remove]
        return seen + [t for t in self.override.rules if t not in seen]

    def merged(self) -> Mapping:
        """The flattened mapping (built once)."""
        if self._merged is None:
            self._merged = Mapping.model_validate(self._merged_data())
        return self._merged

    def compile(self) -> CompiledMapping:
        return self.merged().compile()

    def source_paths(self, under: str | None = None) -> set[str]:
        return self.merged().source_paths(under)

    def to_dict(self) -> dict[str, Any]:
        return self.merged().to_dict()

    def to_yaml(self) -> str:
        return self.merged().to_yaml()

    def with_overrides(self, override: MappingOverride) -> LayeredMapping:
        return LayeredMapping(self, override)

    def _merged_data(self) -> dict[str, Any]:
        targets = self.targets()
        top = {t: self.rule(t) for t in targets if not t.startswith("lines.")}
        lines = {t[6:]: self.rule(t) for t in targets if t.startswith("lines.")}
        base = self.base.merged() if isinstance(self.base, LayeredMapping) else self.base
        data: dict[str, Any] = {
            "name": self.name,
            "model": self.model,
            "version": self.version,
            "description": self.description,
            "rules": top,
            "custom_fields": self.custom_fields,
        }
        if base.lines is not None:
            data["lines"] = LinesMapping(source=base.lines.source, rules=lines)
        return data

    @property
    def has_lines(self) -> bool:
        return self.base.has_lines

    def _check(self) -> None:
        model = self.model_class
        line_model = item_model(model, "lines") if self.has_lines else None
        for target in (*self.override.rules, *self.override.remove):
            _check_override_target(model, line_model, target)
        for target in self.override.remove:
            if self.base.rule(target) is None:
                raise MappingError(
                    f"override removes {target!r}, which the base mapping has no rule for; "
                    f"rules: {', '.join(self.base.targets())}",
                    rule=target,
                )
        needed = required_fields(model)
        if line_model is not None:
            needed += [f"lines.{name}" for name in required_fields(line_model)]
        kept = self.targets()
        for name in needed:
            if not any(t == name or t.startswith(name + ".") for t in kept):
                raise MappingError(
                    f"override leaves the required field {name!r} without a rule; "
                    "replace the rule instead of removing it",
                    rule=name,
                )


def _check_override_target(
    model: type[BaseModel], line_model: type[BaseModel] | None, target: str
) -> None:
    in_lines = target.startswith("lines.")
    if in_lines and line_model is None:
        raise MappingError(
            f"override rule {target!r}: the base mapping has no `lines` section", rule=target
        )
    try:
        if in_lines and line_model is not None:
            check_target(line_model, target.removeprefix("lines."))
        else:
            check_target(model, target)
    except ValueError as exc:
        raise MappingError(f"override rule {target!r}: {exc}", rule=target) from None


AnyMapping = Mapping | LayeredMapping
"""A base mapping or a layered one: both compile, list their rules and export YAML."""
