"""An in-memory vendor with a change log, and an adapter over it, for record-store tests.

``Vendor`` keeps live records and a log of changes (updates and deletions, each with a
sequence number). The adapter's full listing pages through the live records by id; its
incremental read replays the log after the cursor (a deleted record comes as
``{"id", "deleted": true}``). ``forget`` deletes a record without logging it, as when a
vendor's event retention has passed: only a full listing can notice. ``expire`` drops the
log so far: a cursor into it is too old, and the adapter restarts with a full listing
(``Page.snapshot_start``), as the built-in adapters do when events have expired.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, SecretStr

from adapters import Adapter, Capability, CheckResult, Cursor, Page, StreamSpec

VENDORS: dict[str, Vendor] = {}


class Vendor:
    def __init__(self, name: str) -> None:
        self.name = name
        self.records: dict[str, dict[str, Any]] = {}
        self.log: list[tuple[int, str]] = []
        self.retained_after = 0
        self.lock = threading.Lock()
        VENDORS[name] = self

    def upsert(self, record_id: str, **fields: Any) -> None:
        with self.lock:
            record = self.records.setdefault(record_id, {"id": record_id})
            record.update(fields)
            self.log.append((len(self.log) + 1, record_id))

    def delete(self, record_id: str) -> None:
        with self.lock:
            del self.records[record_id]
            self.log.append((len(self.log) + 1, record_id))

    def forget(self, record_id: str) -> None:
        with self.lock:
            del self.records[record_id]

    def expire(self) -> None:
        """Event retention passed for everything logged so far."""
        with self.lock:
            self.retained_after = len(self.log)


class VendorConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    vendor: str
    page_size: int = 10


class VendorCredentials(BaseModel):
    model_config = ConfigDict(extra="forbid")
    api_key: SecretStr


class VendorAdapter(Adapter):
    key: ClassVar[str] = "vendor"
    display_name: ClassVar[str] = "Store-test vendor"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.FULL_SYNC, Capability.INCREMENTAL_SYNC, Capability.DELETES}
    )
    config_model = VendorConfig
    credentials_model = VendorCredentials
    streams: ClassVar[tuple[StreamSpec, ...]] = (StreamSpec("customers", "Customer"),)
    mappings_package: ClassVar[str | None] = "tests.registry.store_vendor"

    @property
    def vendor(self) -> Vendor:
        return VENDORS[self.config.vendor]

    def check(self) -> CheckResult:
        return CheckResult.success()

    def read(self, stream: str, cursor: Cursor | None = None) -> Iterator[Page]:
        self.stream(stream)
        if cursor is None or "full" in cursor:
            yield from self._full(cursor)
        elif int(cursor["log"]) < self.vendor.retained_after:
            yield from self._full(None, restarted=True)  # the log no longer reaches back
        else:
            yield from self._changes(int(cursor["log"]))

    def _full(self, cursor: Cursor | None, *, restarted: bool = False) -> Iterator[Page]:
        size = self.config.page_size
        with self.vendor.lock:
            mark = int(cursor["log"]) if cursor else len(self.vendor.log)
        after = str(cursor["full"]) if cursor else ""
        while True:
            with self.vendor.lock:
                ids = sorted(i for i in self.vendor.records if i > after)[:size]
                records = [dict(self.vendor.records[i]) for i in ids]
                more = len(ids) == size
            if not more:
                yield Page(records, {"log": mark}, snapshot_start=restarted)
                return
            after = ids[-1]
            yield Page(records, {"full": after, "log": mark}, snapshot_start=restarted)
            restarted = False

    def _changes(self, after: int) -> Iterator[Page]:
        size = self.config.page_size
        while True:
            with self.vendor.lock:
                entries = [e for e in self.vendor.log if e[0] > after][:size]
                records = [
                    dict(self.vendor.records.get(i) or {"id": i, "deleted": True})
                    for _, i in entries
                ]
            if not entries:
                return
            after = entries[-1][0]
            yield Page(records, {"log": after})
