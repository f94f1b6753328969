"""The data of one mapping rule, the invoice-lines section and the custom-fields options."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from mapping._paths import SourcePath, parse_path
from mapping._registry import build_transform, get_transform

__all__ = ["CustomFieldsOptions", "LinesMapping", "Rule", "TransformStep", "check_step"]

_DATA = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class TransformStep(BaseModel):
    """One step of a transform chain: a registered transform name and its args."""

    model_config = _DATA

    name: str
    args: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return {"name": data} if isinstance(data, str) else data

    @model_validator(mode="after")
    def _check(self) -> TransformStep:
        check_step(self.name, self.args)
        return self


def check_step(name: str, args: dict[str, Any]) -> None:
    """Check a transform name and its args; ``ValueError`` saying what is allowed."""
    build_transform(name, args)
    for arg in get_transform(name).path_args:
        if isinstance(args.get(arg), str):
            parse_path(args[arg])


class Rule(BaseModel):
    """How one canonical field is filled.

    Exactly one of ``source`` (a path), ``sources`` (several paths, given to the transform
    as a list) or ``const``. ``transform`` is a name (with ``args``) or a chain of steps.
    A value that is missing or None skips the transform; then ``default`` applies, and a
    rule with no value leaves the field to the model's own default. A plain string is
    short for ``{source: <string>}``.
    """

    model_config = _DATA

    source: str | None = None
    sources: tuple[str, ...] | None = None
    transform: str | tuple[TransformStep, ...] | None = None
    args: dict[str, Any] | None = None
    default: Any = None
    const: Any = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return {"source": data} if isinstance(data, str) else data

    @model_validator(mode="after")
    def _check(self) -> Rule:
        given = [k for k in ("source", "sources", "const") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of `source`, `sources` or `const`")
        if self.sources is not None and (not self.sources or self.transform is None):
            raise ValueError(
                "`sources` needs at least one path and a transform that combines them "
                "(join, first_non_empty, sum or your own)"
            )
        if self.args is not None and not isinstance(self.transform, str):
            raise ValueError(
                "`args` goes with a single `transform` name; chains take args per step"
            )
        for path in self.paths():
            parse_path(path)
        if isinstance(self.transform, str):
            check_step(self.transform, self.args or {})
        return self

    def paths(self) -> tuple[str, ...]:
        """The source paths this rule reads (not counting transform path args)."""
        if self.source is not None:
            return (self.source,)
        return self.sources or ()

    def steps(self) -> tuple[TransformStep, ...]:
        """The transform chain in its long form."""
        if self.transform is None:
            return ()
        if isinstance(self.transform, str):
            return (TransformStep.model_construct(name=self.transform, args=self.args or {}),)
        return self.transform

    def parsed_paths(self) -> tuple[SourcePath, ...]:
        return tuple(parse_path(p) for p in self.paths())

    def short(self) -> Any:
        """The rule as plain data, using the string shorthand when it is only a source."""
        data = self.model_dump(mode="json", exclude_none=True)
        if set(data) == {"source"}:
            return data["source"]
        if isinstance(self.transform, tuple):
            data["transform"] = [s.name if not s.args else s.model_dump() for s in self.transform]
        return data


class LinesMapping(BaseModel):
    """Rules for a list field's items (``Invoice.lines``): where the list is, what each gets."""

    model_config = _DATA

    source: str
    rules: dict[str, Rule]

    @model_validator(mode="after")
    def _check(self) -> LinesMapping:
        parse_path(self.source)
        return self


class CustomFieldsOptions(BaseModel):
    """The catch-all into ``custom_fields`` (off by default).

    ``from`` lists paths of dicts whose keys go into custom_fields (``metadata``);
    ``include_unmapped`` adds top-level vendor fields no rule reads; ``exclude`` names
    keys to leave out; ``prefix`` is put before every key the catch-all adds.
    """

    model_config = _DATA

    include_unmapped: bool = False
    from_: tuple[str, ...] = Field(default=(), alias="from")
    exclude: tuple[str, ...] = ()
    prefix: str = ""

    @model_validator(mode="after")
    def _check(self) -> CustomFieldsOptions:
        for path in self.from_:
            parse_path(path)
        return self

    @property
    def enabled(self) -> bool:
        return self.include_unmapped or bool(self.from_)
