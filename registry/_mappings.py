"""Mapping versions per connection and canonical model, and the active mapping of a sync.

The active mapping of (connection, model) is the adapter's default mapping overridden by
the override text of the version whose status is ``active`` (if any). At most one version
per (connection, model) is active; activating one retires the previous one.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, func, select

from adapters import Adapter
from canonical import CanonicalModel, NotFoundInRegistry, Source
from registry._tables import MappingStatus, MappingVersionRow, utcnow

if TYPE_CHECKING:
    from mapping import AnyMapping, FieldErrors, FieldWarning, MappingOverride

__all__ = [
    "RecordMapper",
    "active_version",
    "add_version",
    "compile_mapper",
    "find_version",
    "parse_override",
    "set_version_status",
    "version_rows",
]

RecordMapper = Callable[[dict[str, Any]], CanonicalModel]


def parse_override(text: str) -> MappingOverride:
    """Parse a mapping override (YAML or JSON text); ``MappingError`` says what is wrong."""
    from mapping import MappingOverride

    return MappingOverride.from_yaml(text)


def compile_mapper(
    adapter: Adapter,
    stream: str,
    override_text: str | None,
    *,
    keep_remote_data: bool,
    field_errors: FieldErrors = "strict",
    warnings: list[FieldWarning] | None = None,
) -> RecordMapper:
    """Compile the active mapping of ``stream`` into a record -> canonical object function
    (``field_errors`` and ``warnings``: see ``CompiledMapping.apply``)."""
    base: AnyMapping = adapter.default_mapping(stream)
    if override_text:
        base = base.with_overrides(parse_override(override_text))
    adapter.use_mapping(stream, base)
    compiled = base.compile()
    source = Source(adapter=adapter.key, connection_id=adapter.connection_id)
    mapper: RecordMapper = partial(compiled.apply, source=source, keep_remote_data=keep_remote_data,
                                   field_errors=field_errors, warnings=warnings)  # fmt: skip
    return mapper


def version_rows(
    session: Session, tenant: str, connection_id: str, model: str | None = None
) -> list[MappingVersionRow]:
    query = select(MappingVersionRow).where(
        col(MappingVersionRow.tenant) == tenant,
        col(MappingVersionRow.connection_id) == connection_id,
    )
    if model is not None:
        query = query.where(col(MappingVersionRow.model) == model)
    order = (col(MappingVersionRow.model), col(MappingVersionRow.version))
    return list(session.exec(query.order_by(*order)).all())


def active_version(
    session: Session, tenant: str, connection_id: str, model: str
) -> MappingVersionRow | None:
    query = select(MappingVersionRow).where(
        col(MappingVersionRow.tenant) == tenant,
        col(MappingVersionRow.connection_id) == connection_id,
        col(MappingVersionRow.model) == model,
        col(MappingVersionRow.status) == MappingStatus.ACTIVE.value,
    )
    return session.exec(query).first()


def find_version(
    session: Session,
    tenant: str,
    connection_id: str,
    model: str,
    version: int,
    *,
    name: str = "CONNECTION",
) -> MappingVersionRow:
    for row in version_rows(session, tenant, connection_id, model):
        if row.version == version:
            return row
    raise NotFoundInRegistry(
        f"no mapping version {version} for model {model!r} on connection {name!r}",
        hint=f"list the versions with `canonry mapping list {name} {model}`",
    )


def add_version(
    session: Session, tenant: str, connection_id: str, model: str, text: str, created_by: str
) -> MappingVersionRow:
    """Store ``text`` as the next draft version of (connection, model)."""
    query = select(func.max(MappingVersionRow.version)).where(
        col(MappingVersionRow.connection_id) == connection_id,
        col(MappingVersionRow.model) == model,
    )
    latest = session.exec(query).one() or 0
    row = MappingVersionRow(
        id=str(uuid.uuid4()),
        tenant=tenant,
        connection_id=connection_id,
        model=model,
        version=latest + 1,
        mapping=text,
        created_by=created_by,
    )
    session.add(row)
    return row


def set_version_status(session: Session, row: MappingVersionRow, status: MappingStatus) -> None:
    """Change a version's status; activating retires the version active before it."""
    if status is MappingStatus.ACTIVE:
        current = active_version(session, row.tenant, row.connection_id, row.model)
        if current is not None and current.id != row.id:
            current.status = MappingStatus.RETIRED.value
            current.updated_at = utcnow()
            session.add(current)
            session.flush()
    row.status = status.value
    row.updated_at = utcnow()
    session.add(row)
