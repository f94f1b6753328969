"""The custom-fields catch-all: vendor keys that no rule maps, kept in ``custom_fields``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from canonical import MappingError
from mapping._loading import short_repr
from mapping._paths import parse_path
from mapping._registry import Context

if TYPE_CHECKING:
    from mapping._model import Mapping

__all__ = ["catchall_builder"]


def catchall_builder(
    mapping: Mapping,
) -> Callable[[dict[str, Any], Context], dict[str, Any] | None] | None:
    """A builder of the catch-all dict, or None when the mapping does not ask for one."""
    options = mapping.custom_fields
    if not options.enabled:
        return None
    sources = [(path, parse_path(path).getter()) for path in options.from_]
    exclude = frozenset(options.exclude)
    prefix = options.prefix
    unmapped = options.include_unmapped
    mapped = frozenset(mapping.source_paths()) | exclude

    def build(record: dict[str, Any], ctx: Context) -> dict[str, Any] | None:
        out: dict[str, Any] = {}
        if unmapped:
            for key, value in record.items():
                if value is not None and key not in mapped:
                    out[prefix + key] = value
        for path, get in sources:
            found = get(record)
            if found is None:
                continue
            if not isinstance(found, dict):
                raise MappingError(
                    f"custom_fields: {path!r} should hold key/value pairs (like Stripe's "
                    f"metadata), got {type(found).__name__}",
                    rule="custom_fields",
                    path=path,
                    value=short_repr(found),
                )
            for key, value in found.items():
                if value is not None and key not in exclude:
                    out[prefix + str(key)] = value
        return out or None

    return build
