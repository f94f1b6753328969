"""Contract check: an adapter's default mappings turn its records into canonical objects."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import canonical
from adapters import Adapter
from canonical import CanonryError, MappingError, Source
from plugins.testing._static import ContractViolation

__all__ = ["check_default_mapping"]


def check_default_mapping(
    adapter: Adapter, stream: str, records: Iterable[dict[str, Any]], *, what: str
) -> list[Any]:
    """Map every record of ``stream`` with the adapter's default mapping; each must give a
    valid instance of the stream's canonical model. ``what`` names the records in messages
    (``"sample_records"``, ``"records read from the fake"``)."""
    spec = adapter.stream(stream)
    try:
        compiled = adapter.default_mapping(stream).compile()
    except (CanonryError, OSError) as exc:
        raise ContractViolation(
            f"the default mapping of {stream!r} does not load: {exc} — ship it as "
            f"mappings/{stream}.yaml in the adapter's package (package data)"
        ) from exc
    model = getattr(canonical, spec.model)
    source = Source(adapter=adapter.key, connection_id=adapter.connection_id)
    mapped: list[Any] = []
    for record in records:
        try:
            obj = compiled.apply(record, source=source)
        except MappingError as exc:
            raise ContractViolation(
                f"{what} of {stream!r}: record {record.get('id')!r} does not map: {exc} "
                f"(rule {exc.rule!r}, path {exc.path!r}, value {exc.value!r})"
            ) from exc
        if not isinstance(obj, model):
            raise ContractViolation(
                f"the default mapping of {stream!r} produced {type(obj).__name__}; "
                f"the stream declares {spec.model}"
            )
        mapped.append(obj)
    if not mapped:
        raise ContractViolation(
            f"no {what} of {stream!r} to map; override sample_records() with real-shaped "
            "records (and seed the fake)"
        )
    return mapped
