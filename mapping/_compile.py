"""The compiled mapping: closures over pre-parsed paths and pre-built transforms.

Applying builds one plain dict per record (nested dicts for dotted targets, a list of
dicts for invoice lines) and validates it once with the canonical model, so the model's
validation is the only per-field reflection left. A validation failure is translated back
to the rule that produced the value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from canonical import CanonicalModel, ConfigurationError, MappingError, Source
from mapping._catchall import catchall_builder
from mapping._lenient import (
    FIELD_ERRORS,
    FieldErrors,
    FieldWarning,
    drop_refused_fields,
    warning_for,
)
from mapping._loading import short_repr
from mapping._paths import parse_path
from mapping._registry import Context
from mapping._rulefn import Build, compile_rule
from mapping._rules import LinesMapping, Rule

if TYPE_CHECKING:
    from mapping._model import Mapping

__all__ = ["CompiledMapping"]

_MAX_LENIENT_PASSES = 8

Origins = dict[tuple[str, ...], tuple[str, str | None]]
"""Target segments -> (rule name, source path), to explain validation failures."""


class CompiledMapping:
    """A mapping compiled for speed; ``apply`` turns one vendor record into a canonical object."""

    __slots__ = ("_build", "_lines_source", "_origins", "_validate", "mapping", "model")

    def __init__(self, mapping: Mapping) -> None:
        self.mapping = mapping
        self.model: type[CanonicalModel] = mapping.model_class
        self._origins: Origins = {}
        tree = _tree(mapping.rules)
        extras: list[tuple[str, Build]] = []
        self._lines_source: str | None = None
        if mapping.lines is not None:
            self._lines_source = mapping.lines.source
            extras.append(("lines", self._compile_lines(mapping.lines)))
        catchall = catchall_builder(mapping)
        if catchall is not None:
            extras.append(("custom_fields", catchall))
            self._origins[("custom_fields",)] = ("custom_fields", _catchall_paths(mapping))
        self._build = _compile_tree(tree, (), self._origins, extras, "")
        self._validate = self.model.model_validate

    def apply(
        self,
        record: dict[str, Any],
        *,
        source: Source,
        keep_remote_data: bool = False,
        field_errors: FieldErrors = "strict",
        warnings: list[FieldWarning] | None = None,
    ) -> CanonicalModel:
        """Map one vendor record; ``MappingError`` naming the rule, path and value on failure.

        ``field_errors="lenient"``: an optional field the canonical model refuses is left
        out instead (see ``mapping._lenient``), a ``FieldWarning`` per field is appended to
        ``warnings``, and the raw record is kept as ``remote_data``."""
        if field_errors not in FIELD_ERRORS:
            raise ConfigurationError(
                f"field_errors must be 'lenient' or 'strict', not {field_errors!r}",
                hint="set the connection's field_errors policy to lenient or strict",
            )
        if not isinstance(record, dict):
            raise MappingError(
                f"mapping {self.mapping.name!r} needs a vendor record as a dict, "
                f"got {type(record).__name__}",
                value=short_repr(record),
            )
        data: dict[str, Any] = self._build(record, Context(record))
        data["source"] = source
        if keep_remote_data:
            data["remote_data"] = record
        try:
            return self._validate(data)
        except ValidationError as exc:
            if field_errors == "strict":
                raise self._explain(exc) from exc
            return self._leniently(data, record, exc, warnings)

    def _leniently(
        self,
        data: dict[str, Any],
        record: dict[str, Any],
        exc: ValidationError,
        warnings: list[FieldWarning] | None,
    ) -> CanonicalModel:
        """Validate again without each refused optional field, until valid (or refused)."""
        found: list[FieldWarning] = []
        for _ in range(_MAX_LENIENT_PASSES):
            drops = drop_refused_fields(self.model, data, exc)
            if drops is None:
                break
            found.extend(
                warning_for(where, reason, self._origins, self._lines_source)
                for where, reason in drops
            )
            data["remote_data"] = record  # the refused values stay with the object
            try:
                result = self._validate(data)
            except ValidationError as again:
                exc = again
                continue
            if warnings is not None:
                warnings.extend(found)
            return result
        raise self._explain(exc) from exc

    def apply_many(
        self,
        records: Iterable[dict[str, Any]],
        *,
        source: Source,
        keep_remote_data: bool = False,
        field_errors: FieldErrors = "strict",
        warnings: list[FieldWarning] | None = None,
    ) -> Iterator[CanonicalModel]:
        """Map records one by one, lazily; the first failure raises."""
        for record in records:
            yield self.apply(
                record,
                source=source,
                keep_remote_data=keep_remote_data,
                field_errors=field_errors,
                warnings=warnings,
            )

    def _compile_lines(self, lines: LinesMapping) -> Build:
        get_items = parse_path(lines.source).getter()
        build_item = _compile_tree(_tree(lines.rules), ("lines",), self._origins, [], "lines.")
        where = lines.source

        def build(record: dict[str, Any], ctx: Context) -> list[Any] | None:
            items = get_items(record)
            if items is None:
                return None
            if not isinstance(items, list):
                raise MappingError(
                    f"rule 'lines': {where!r} should hold a list of line items",
                    rule="lines",
                    path=where,
                    value=short_repr(items),
                )
            root = ctx.root
            out = []
            for index, item in enumerate(items):
                try:
                    if not isinstance(item, dict):
                        raise MappingError(
                            "a line item should be an object", rule="lines", value=short_repr(item)
                        )
                    out.append(build_item(item, Context(item, root)))
                except MappingError as exc:
                    raise _in_line(exc, where, index) from exc
            return out

        return build

    def _explain(self, exc: ValidationError) -> MappingError:
        err = exc.errors(include_url=False)[0]
        loc = tuple(err["loc"])
        names = tuple(str(p) for p in loc if not isinstance(p, int))
        index = next((p for p in loc if isinstance(p, int)), None)
        rule, path = None, None
        for cut in range(len(names), 0, -1):
            if names[:cut] in self._origins:
                rule, path = self._origins[names[:cut]]
                break
        if rule is not None and rule.startswith("lines.") and index is not None:
            path = f"{self._lines_source}[{index}].{path}"
        msg = err["msg"].removeprefix("Value error, ")
        hint = "fix the rule or the vendor data; nothing was mapped"
        if not loc:
            return MappingError(
                f"mapping {self.mapping.name!r}: the {self.model.__name__} is invalid: {msg}",
                hint=hint,
            )
        value = None if err["type"] == "missing" else short_repr(err["input"])
        field = ".".join(str(p) for p in loc)
        origin = f" (rule {rule!r}, from {path!r})" if rule else ""
        return MappingError(
            f"mapping {self.mapping.name!r}: {field}{origin} is invalid: {msg}; got {value}",
            rule=rule,
            path=path,
            value=value,
            hint=hint,
        )


def _in_line(exc: MappingError, where: str, index: int) -> MappingError:
    path = f"{where}[{index}].{exc.path}" if exc.path else f"{where}[{index}]"
    return MappingError(exc.message, rule=exc.rule, path=path, value=exc.value, hint=exc.hint)


def _catchall_paths(mapping: Mapping) -> str:
    options = mapping.custom_fields
    parts = list(options.from_) + (["<unmapped fields>"] if options.include_unmapped else [])
    return ", ".join(parts)


Tree = dict[str, "Rule | Tree"]


def _tree(rules: dict[str, Rule]) -> Tree:
    root: Tree = {}
    for target, rule in rules.items():
        node = root
        *parents, leaf = target.split(".")
        for part in parents:
            child = node.setdefault(part, {})
            assert isinstance(child, dict)
            node = child
        node[leaf] = rule
    return root


def _compile_tree(
    tree: Tree,
    at: tuple[str, ...],
    origins: Origins,
    extras: list[tuple[str, Build]],
    prefix: str,
) -> Callable[[dict[str, Any], Context], dict[str, Any]]:
    entries: list[tuple[str, Build]] = []
    direct: list[tuple[str, str]] = []
    for key, node in tree.items():
        target = (*at, key)
        if isinstance(node, dict):
            sub = _compile_tree(node, target, origins, [], prefix)
            entries.append((key, _nonempty(sub)))
        else:
            name = prefix + ".".join(target[1:] if prefix else target)
            origins[target] = (name, node.source or ", ".join(node.sources or ()))
            compiled = compile_rule(name, node)
            if isinstance(compiled, str) and key not in {k for k, _ in extras}:
                direct.append((key, compiled))
            else:
                entries.append((key, _as_build(compiled)))
    entries = _merge_extras(entries, extras)
    copies, produced = tuple(direct), tuple(entries)

    def build(record: dict[str, Any], ctx: Context) -> dict[str, Any]:
        get = record.get
        out = {key: value for key, src in copies if (value := get(src)) is not None}
        for key, produce in produced:
            value = produce(record, ctx)
            if value is not None:
                out[key] = value
        return out

    return build


def _as_build(compiled: Build | str) -> Build:
    if isinstance(compiled, str):
        key = compiled
        return lambda record, ctx: record.get(key)
    return compiled


def _nonempty(sub: Callable[[dict[str, Any], Context], dict[str, Any]]) -> Build:
    return lambda record, ctx: sub(record, ctx) or None


def _merge_extras(
    entries: list[tuple[str, Build]], extras: list[tuple[str, Build]]
) -> list[tuple[str, Build]]:
    """Add the lines/custom-fields builders; explicit custom_fields rules win over the catch-all."""
    for key, extra in extras:
        explicit = next((b for k, b in entries if k == key), None)
        if explicit is None:
            entries.append((key, extra))
            continue
        entries = [(k, b) for k, b in entries if k != key]
        entries.append((key, _layered(extra, explicit)))
    return entries


def _layered(under: Build, over: Build) -> Build:
    def build(record: dict[str, Any], ctx: Context) -> Any:
        low, high = under(record, ctx), over(record, ctx)
        if isinstance(low, dict) and isinstance(high, dict):
            return {**low, **high} or None
        return high if high is not None else low

    return build
