"""The Registry's record-store and API-key methods (the unified API's data, per tenant)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from registry._api_keys import ApiKeys
from registry._records import Record, RecordPage, RecordStore
from registry._registry_sync import SyncMixin

__all__ = ["RecordsMixin"]


class RecordsMixin(SyncMixin):
    """``records`` / ``record`` / ``count_records`` read the tenant's canonical replica."""

    @property
    def store(self) -> RecordStore:
        """The tenant's record store (read-only)."""
        return RecordStore(self.engine, self.tenant)

    @property
    def api_keys(self) -> ApiKeys:
        """Create, list and revoke the tenant's API keys for the unified API."""
        return ApiKeys(self.engine, self.tenant, actor=self.actor)

    def _connection_id(self, connection: str | None) -> str | None:
        return self._row(connection).id if connection is not None else None

    def records(
        self,
        model: str,
        *,
        cursor: str | None = None,
        modified_after: datetime | None = None,
        connection: str | None = None,
        include_deleted: bool | None = None,
        include_remote_data: bool = False,
        limit: int = 100,
        **filters: Any,
    ) -> RecordPage:
        """A page of the tenant's ``model`` records ("customers", "invoices", "events"),
        oldest change first. Pass ``next_cursor`` back to get only what changed since
        (tombstones included unless ``include_deleted=False``). Filters per model:
        ``registry.RECORD_FILTERS``."""
        return self.store.page(
            model,
            cursor=cursor,
            modified_after=modified_after,
            connection_id=self._connection_id(connection),
            include_deleted=include_deleted,
            include_remote_data=include_remote_data,
            limit=limit,
            **filters,
        )

    def record(self, model: str, record_id: str, *, include_remote_data: bool = False) -> Record:
        """One record by Canonry id (``NotFoundInRegistry`` if the tenant has none)."""
        return self.store.get(model, record_id, include_remote_data=include_remote_data)

    def count_records(
        self,
        model: str,
        *,
        connection: str | None = None,
        include_deleted: bool = False,
        **filters: Any,
    ) -> int:
        return self.store.count(
            model,
            connection_id=self._connection_id(connection),
            include_deleted=include_deleted,
            **filters,
        )
