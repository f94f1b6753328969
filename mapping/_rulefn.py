"""One rule compiled into the fastest closure that does its job.

Specialisations, most common first: a rule that copies a top-level key is not a closure at
all (the builder reads the key inline); a single-key source reads ``record.get`` directly;
``sources`` with ``first_non_empty`` first stops reading at the first usable value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from canonical import MappingError
from mapping._loading import short_repr
from mapping._paths import Getter, SourcePath
from mapping._registry import Apply, Context, build_transform
from mapping._rules import Rule, TransformStep

__all__ = ["Build", "compile_rule"]

Build = Callable[[dict[str, Any], Context], Any]
"""Produces one value (or None: leave the field out) from a record (always a dict)."""


def compile_rule(name: str, rule: Rule) -> Build | str:
    """A closure for ``rule``, or the source key when the rule only copies a top-level key."""
    if rule.const is not None:
        const = rule.const
        return lambda record, ctx: const
    paths = rule.parsed_paths()
    steps = rule.steps()
    where = ", ".join(rule.paths())
    if rule.sources is not None:
        if steps[0].name == "first_non_empty":
            return _guarded(name, where, rule.default, _coalesce(paths), _chain(steps[1:]), False)
        return _guarded(name, where, rule.default, _all_of(paths), _chain(steps), True)
    path = paths[0]
    apply = _chain(steps)
    if len(path.steps) == 1:
        if apply is None and rule.default is None:
            return str(path.steps[0])
        if apply is not None:
            return _keyed(name, str(path.steps[0]), rule.default, apply)
    return _guarded(name, where, rule.default, _reader(path), apply, False)


def _reader(path: SourcePath) -> Getter:
    if len(path.steps) == 1:
        key = path.steps[0]
        return lambda record: record.get(key)
    return path.getter()


def _coalesce(paths: tuple[SourcePath, ...]) -> Getter:
    getters = tuple(_reader(p) for p in paths)

    def first(record: dict[str, Any]) -> Any:
        for get in getters:
            value = get(record)
            if value is not None and (value or not isinstance(value, str | list | dict)):
                return value
        return None

    return first


def _all_of(paths: tuple[SourcePath, ...]) -> Getter:
    getters = tuple(_reader(p) for p in paths)
    return lambda record: [get(record) for get in getters]


def _chain(steps: tuple[TransformStep, ...]) -> Apply | None:
    applies = tuple(build_transform(step.name, step.args) for step in steps)
    if not applies:
        return None
    if len(applies) == 1:
        return applies[0]

    def chained(value: Any, ctx: Context) -> Any:
        for apply in applies:
            value = apply(value, ctx)
            if value is None:
                return None
        return value

    return chained


def _guarded(
    name: str, where: str, default: Any, get: Getter, apply: Apply | None, always: bool
) -> Build:
    """Read, transform (when there is a value, or ``always``), fall back to ``default``."""
    if apply is None:
        if default is None:
            return lambda record, ctx: get(record)

        def defaulted(record: dict[str, Any], ctx: Context) -> Any:
            value = get(record)
            return default if value is None else value

        return defaulted

    def build(record: dict[str, Any], ctx: Context) -> Any:
        value = get(record)
        if value is None and not always:
            return default
        try:
            value = apply(value, ctx)
        except Exception as exc:  # a transform's refusal, or a plugin's bug: report both
            raise _rule_error(name, where, value, exc) from exc
        return default if value is None else value

    return build


def _keyed(name: str, key: str, default: Any, apply: Apply) -> Build:
    """``_guarded`` for the most common rule: one top-level key and a transform."""

    def build(record: dict[str, Any], ctx: Context) -> Any:
        value = record.get(key)
        if value is None:
            return default
        try:
            value = apply(value, ctx)
        except Exception as exc:  # a transform's refusal, or a plugin's bug: report both
            raise _rule_error(name, key, value, exc) from exc
        return default if value is None else value

    return build


def _rule_error(name: str, where: str, value: Any, exc: Exception) -> MappingError:
    reason = exc.message if isinstance(exc, MappingError) else str(exc) or type(exc).__name__
    shown = short_repr(value)
    return MappingError(
        f"rule {name!r} cannot map {shown} from {where!r}: {reason}",
        rule=name,
        path=where,
        value=shown,
        hint="fix the rule's transform/args or the vendor data",
    )
