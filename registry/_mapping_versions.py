"""The human-in-the-loop life of a connection's mapping versions.

    draft --approve--> approved --activate--> active --(another activated)--> retired
      \\--reject--> rejected      \\--reject--> rejected

Only an approved version can become active; activating retires the active one. ``rollback``
reactivates the version the current one displaced (the most recently retired) and marks
the rolled-back version rejected, so a second rollback goes one step further back; with no
earlier version the connection falls back to the adapter's default mapping. Every step is
written to the audit log in the same transaction as the change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from sqlmodel import Session

from canonical import ConfigurationError, NotFoundInRegistry
from registry._mappings import (
    active_version,
    find_version,
    parse_override,
    set_version_status,
    version_rows,
)
from registry._models import MappingVersion, as_utc
from registry._queries import find_connection
from registry._tables import MappingStatus, MappingVersionRow

if TYPE_CHECKING:
    from mapping import AnyMapping
    from registry._registry import Registry

__all__ = ["MappingWorkflow", "RuleChange", "connection_samples"]

_FROM = {
    MappingStatus.APPROVED: (MappingStatus.DRAFT,),
    MappingStatus.REJECTED: (MappingStatus.DRAFT, MappingStatus.APPROVED),
    MappingStatus.ACTIVE: (MappingStatus.APPROVED,),
}


@dataclass(frozen=True)
class RuleChange:
    """One target whose rule differs between two versions (rules as YAML-ish short data)."""

    target: str
    change: Literal["added", "removed", "changed"]
    before: Any
    after: Any


class MappingWorkflow:
    """Approve, reject, activate, roll back and diff the mapping versions of a connection."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def versions(self, connection: str, model: str) -> list[MappingVersion]:
        return self.registry.list_mapping_versions(connection, model)

    def approve(self, connection: str, model: str, version: int) -> MappingVersion:
        return self._move(connection, model, version, MappingStatus.APPROVED)

    def reject(self, connection: str, model: str, version: int) -> MappingVersion:
        return self._move(connection, model, version, MappingStatus.REJECTED)

    def activate(self, connection: str, model: str, version: int) -> MappingVersion:
        """Make an approved version the one syncs use; the active one is retired."""
        return self._move(connection, model, version, MappingStatus.ACTIVE)

    def rollback(self, connection: str, model: str) -> MappingVersion | None:
        """Reactivate the previously active version; None when the default mapping is back."""
        with self.registry._tx() as session:
            conn = find_connection(session, self.registry.tenant, connection)
            current = active_version(session, self.registry.tenant, conn.id, model)
            if current is None:
                raise ConfigurationError(
                    f"connection {conn.name!r} has no active {model} mapping to roll back",
                    hint="see `canonry mapping list CONNECTION MODEL`",
                )
            previous = _last_retired(session, self.registry.tenant, conn.id, model, current)
            set_version_status(session, current, MappingStatus.REJECTED)
            if previous is not None:
                set_version_status(session, previous, MappingStatus.ACTIVE)
            to = previous.version if previous is not None else "default"
            self.registry._audit(
                session, "mapping.rollback", conn.name, model=model, version=current.version, to=to
            )
            return MappingVersion.from_row(previous) if previous is not None else None

    def diff(
        self, connection: str, model: str, old: int | None = None, new: int | None = None
    ) -> tuple[str, str, list[RuleChange]]:
        """Rule changes from ``old`` (default: the active version) to ``new`` (the latest).

        Returns the two labels (``v3``, or ``default`` for the adapter's own mapping) and
        the changes.
        """
        versions = {v.version: v for v in self.versions(connection, model)}
        if not versions:
            raise NotFoundInRegistry(
                f"no {model} mapping versions on connection {connection!r}",
                hint="create one with `canonry mapping suggest CONNECTION MODEL`",
            )
        active = next((v for v in versions.values() if v.status is MappingStatus.ACTIVE), None)
        old_v = old if old is not None else (active.version if active else None)
        new_v = new if new is not None else max(versions)
        before = _rules(versions, old_v, model)
        after = _rules(versions, new_v, model)
        return _label(old_v), _label(new_v), _changes(before, after)

    def _move(
        self, connection: str, model: str, version: int, status: MappingStatus
    ) -> MappingVersion:
        with self.registry._tx() as session:
            conn = find_connection(session, self.registry.tenant, connection)
            row = find_version(
                session, self.registry.tenant, conn.id, model, version, name=conn.name
            )
            allowed = _FROM[status]
            if MappingStatus(row.status) not in allowed:
                raise ConfigurationError(
                    f"{model} mapping v{version} is {row.status}; only "
                    f"{' or '.join(s.value for s in allowed)} versions can be {_DONE[status]}",
                    hint=_next_step(status, connection, model, version),
                )
            previous = active_version(session, self.registry.tenant, conn.id, model)
            set_version_status(session, row, status)
            details: dict[str, Any] = {"model": model, "version": version}
            if status is MappingStatus.ACTIVE:
                details["previous"] = previous.version if previous is not None else "default"
            self.registry._audit(session, f"mapping.{_verb(status)}", conn.name, **details)
            return MappingVersion.from_row(row)


_DONE = {
    MappingStatus.APPROVED: "approved",
    MappingStatus.REJECTED: "rejected",
    MappingStatus.ACTIVE: "activated",
}


def _verb(status: MappingStatus) -> str:
    return {"approved": "approve", "rejected": "reject", "active": "activate"}[status.value]


def _next_step(status: MappingStatus, connection: str, model: str, version: int) -> str:
    if status is MappingStatus.ACTIVE:
        return f"approve it first: `canonry mapping approve {connection} {model} {version}`"
    return f"create a new draft with `canonry mapping suggest {connection} {model}`"


def _last_retired(
    session: Session, tenant: str, connection_id: str, model: str, current: MappingVersionRow
) -> MappingVersionRow | None:
    retired = [
        r
        for r in version_rows(session, tenant, connection_id, model)
        if r.status == MappingStatus.RETIRED.value and r.id != current.id
    ]
    retired.sort(key=lambda r: (as_utc(r.updated_at), r.version))
    return retired[-1] if retired else None


def _label(version: int | None) -> str:
    return "default" if version is None else f"v{version}"


def _rules(versions: dict[int, MappingVersion], version: int | None, model: str) -> dict[str, Any]:
    if version is None:
        return {}
    if version not in versions:
        raise NotFoundInRegistry(
            f"no {model} mapping version {version}",
            hint=f"versions: {sorted(versions)}; see `canonry mapping list CONNECTION {model}`",
        )
    override = parse_override(versions[version].mapping)
    rules: dict[str, Any] = {t: r.short() for t, r in override.rules.items()}
    rules.update({t: "(removed from the default)" for t in override.remove})
    return rules


def _changes(before: dict[str, Any], after: dict[str, Any]) -> list[RuleChange]:
    out: list[RuleChange] = []
    for target in sorted(set(before) | set(after)):
        old, new = before.get(target), after.get(target)
        if old == new:
            continue
        kind: Literal["added", "removed", "changed"] = (
            "added" if old is None else "removed" if new is None else "changed"
        )
        out.append(RuleChange(target, kind, old, new))
    return out


def connection_samples(
    registry: Registry, connection: str, model: str, limit: int
) -> tuple[list[dict[str, Any]], AnyMapping]:
    """Up to ``limit`` raw records of the connection's first ``model`` stream, read from the
    vendor without touching the sync cursors, and that stream's default mapping."""
    row = registry._row(connection)
    adapter = registry._adapter(row)
    try:
        stream = next((s.name for s in adapter.streams if s.model == model), None)
        if stream is None:
            models = sorted({s.model for s in adapter.streams})
            raise ConfigurationError(
                f"adapter {row.adapter!r} produces no {model!r} objects",
                hint=f"use one of: {', '.join(models) or 'none'}",
            )
        base: AnyMapping = adapter.default_mapping(stream)
        records: list[dict[str, Any]] = []
        if limit <= 0:
            return records, base
        pages = adapter.read(stream)
        try:
            for page in pages:
                records.extend(page.records[: max(limit - len(records), 0)])
                if len(records) >= limit:
                    break
        finally:
            close = getattr(pages, "close", None)
            if callable(close):
                close()
        return records, base
    finally:
        registry._release(adapter)
