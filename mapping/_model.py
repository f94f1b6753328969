"""``Mapping``: a declarative, versioned mapping from one vendor object to a canonical model."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidatorFunctionWrapHandler,
    model_validator,
)

from canonical import CanonicalModel, MappingError
from mapping import _text, _transforms  # noqa: F401  (registers the built-in transforms)
from mapping._loading import load_error, parse_document, read_document, yaml_text
from mapping._paths import parse_path
from mapping._registry import get_transform
from mapping._rules import CustomFieldsOptions, LinesMapping, Rule
from mapping._targets import check_target, item_model, required_fields, resolve_model

if TYPE_CHECKING:
    from mapping._compile import CompiledMapping
    from mapping._overrides import LayeredMapping, MappingOverride

__all__ = ["SEMVER", "Mapping", "check_rules", "paths_read"]

SEMVER = r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$"


class Mapping(BaseModel):
    """Rules that fill a canonical model (``Customer``/``Invoice``) from one vendor record."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    name: str = Field(min_length=1)
    model: str
    version: str = Field(pattern=SEMVER, description="semantic version of this mapping")
    description: str = ""
    rules: dict[str, Rule]
    lines: LinesMapping | None = None
    custom_fields: CustomFieldsOptions = Field(default_factory=CustomFieldsOptions)

    _model_class: type[CanonicalModel] = PrivateAttr()
    _compiled: CompiledMapping | None = PrivateAttr(default=None)

    @model_validator(mode="wrap")
    @classmethod
    def _refuse_clearly(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Mapping:
        try:
            mapping: Mapping = handler(data)
        except ValidationError as exc:
            raise load_error(exc, "mapping") from exc
        return mapping

    @model_validator(mode="after")
    def _check_targets(self) -> Mapping:
        self._model_class = resolve_model(self.model)
        check_rules(self._model_class, self.rules)
        line_model = item_model(self._model_class, "lines")
        if self.lines is not None:
            if line_model is None:
                raise MappingError(
                    f"{self.model} has no lines; remove the `lines` section", rule="lines"
                )
            check_rules(line_model, self.lines.rules, prefix="lines.")
        return self

    # -- loading and saving -------------------------------------------------------------

    @classmethod
    def from_yaml(cls, text: str) -> Mapping:
        """Load a mapping from YAML text; ``MappingError`` if it is malformed or invalid."""
        return cls.model_validate(parse_document(text, "yaml", "mapping"))

    @classmethod
    def from_json(cls, text: str) -> Mapping:
        """Load a mapping from JSON text; ``MappingError`` if it is malformed or invalid."""
        return cls.model_validate(parse_document(text, "json", "mapping"))

    @classmethod
    def load(cls, path: Path | str) -> Mapping:
        """Load a ``.yaml``/``.yml``/``.json`` mapping file."""
        return cls.model_validate(read_document(path, "mapping"))

    def to_dict(self) -> dict[str, Any]:
        """Plain data (rules in their short form) that ``model_validate`` loads back."""
        data: dict[str, Any] = {"name": self.name, "model": self.model, "version": self.version}
        if self.description:
            data["description"] = self.description
        data["rules"] = {target: rule.short() for target, rule in self.rules.items()}
        if self.lines is not None:
            data["lines"] = {
                "source": self.lines.source,
                "rules": {t: r.short() for t, r in self.lines.rules.items()},
            }
        options = self.custom_fields.model_dump(mode="json", by_alias=True, exclude_defaults=True)
        if options:
            data["custom_fields"] = options
        return data

    def to_yaml(self) -> str:
        """The mapping as YAML text; ``Mapping.from_yaml(m.to_yaml()) == m``."""
        return yaml_text(self.to_dict())

    def __eq__(self, other: object) -> bool:
        """Equal when the data is equal (the cached compiled form does not count)."""
        if not isinstance(other, Mapping):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    # -- use ------------------------------------------------------------------------------

    @property
    def model_class(self) -> type[CanonicalModel]:
        """The canonical model class this mapping produces."""
        return self._model_class

    @property
    def has_lines(self) -> bool:
        """Whether the mapping has a ``lines`` section."""
        return self.lines is not None

    def rule(self, target: str) -> Rule | None:
        """The rule for ``target`` (``lines.<field>`` for a line rule), or None."""
        if target.startswith("lines.") and self.lines is not None:
            return self.lines.rules.get(target.removeprefix("lines."))
        return self.rules.get(target)

    def targets(self) -> list[str]:
        """Every rule target, line rules as ``lines.<field>``."""
        lines = self.lines.rules if self.lines is not None else {}
        return [*self.rules, *(f"lines.{t}" for t in lines)]

    def compile(self) -> CompiledMapping:
        """The compiled form (built once, then cached on this mapping)."""
        if self._compiled is None:
            from mapping._compile import CompiledMapping

            self._compiled = CompiledMapping(self)
        return self._compiled

    def source_paths(self, under: str | None = None) -> set[str]:
        """Top-level vendor fields the mapping reads, or the keys it reads under ``under``.

        ``source_paths()`` gives e.g. ``{"id", "email", "address", ...}``;
        ``source_paths("properties")`` gives the HubSpot properties read as
        ``properties.<name>``.
        """
        steps = [parse_path(p).steps for p in paths_read(self)]
        if under is None:
            return {str(s[0]) for s in steps}
        prefix = parse_path(under).steps
        n = len(prefix)
        return {str(s[n]) for s in steps if len(s) > n and s[:n] == prefix}

    def with_overrides(self, override: MappingOverride) -> LayeredMapping:
        """This mapping with a tenant's override layered on top (the base is not copied)."""
        from mapping._overrides import LayeredMapping

        return LayeredMapping(self, override)


def check_rules(model: type[BaseModel], rules: dict[str, Rule], prefix: str = "") -> None:
    """Check targets against ``model`` and that its required fields are covered."""
    for target in rules:
        try:
            check_target(model, target)
        except ValueError as exc:
            hint = " (list fields are filled by the `lines` section)" if target == "lines" else ""
            raise MappingError(
                f"rule {prefix + target!r}: {exc}{hint}", rule=f"{prefix}{target}"
            ) from None
        clash = next((t for t in rules if t.startswith(target + ".")), None)
        if clash is not None:
            raise MappingError(
                f"rules {prefix + target!r} and {prefix + clash!r} both fill {target!r}; "
                "keep either the whole value or its parts",
                rule=f"{prefix}{target}",
            )
    for name in required_fields(model):
        if not any(t == name or t.startswith(name + ".") for t in rules):
            raise MappingError(
                f"{model.__name__} requires {prefix + name!r} but the mapping has no rule for it; "
                f"add one (e.g. `{name}: <vendor path>`) or a `const`",
                rule=f"{prefix}{name}",
            )


def _step_paths(rule: Rule) -> Iterable[str]:
    for step in rule.steps():
        for arg, default in get_transform(step.name).path_args.items():
            value = step.args.get(arg, default)
            if isinstance(value, str):
                yield value


def paths_read(mapping: Mapping) -> list[str]:
    """Every root-relative source path the mapping reads (line rules' own paths excluded)."""
    paths = [p for rule in mapping.rules.values() for p in (*rule.paths(), *_step_paths(rule))]
    if mapping.lines is not None:
        paths.append(mapping.lines.source)
        for rule in mapping.lines.rules.values():
            paths.extend(_step_paths(rule))  # e.g. minor_units falls back to the root currency
    paths.extend(mapping.custom_fields.from_)
    return paths
