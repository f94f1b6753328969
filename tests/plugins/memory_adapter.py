"""A small in-memory adapter for exercising the contract kit, and broken variants of it.

Each broken subclass breaks exactly one rule, so a test can assert the kit catches it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, SecretStr

from adapters import Adapter, CheckResult, Cursor, Page, StreamSpec
from canonical import AuthenticationError

GOOD_KEY = "mem_good_key_123456"
RECORDS = [
    {"id": f"m{n}", "name": f"Member {n}", "email": f"m{n}@example.com"} for n in range(1, 6)
]


class MemoryCredentials(BaseModel):
    model_config = ConfigDict(extra="forbid")
    api_key: SecretStr


class MemoryConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    page_size: int = 2


class MemoryAdapter(Adapter):
    key: ClassVar[str] = "memory"
    display_name: ClassVar[str] = "In-memory test adapter"
    config_model = MemoryConfig
    credentials_model = MemoryCredentials
    streams: ClassVar[tuple[StreamSpec, ...]] = (StreamSpec("customers", "Customer"),)
    mappings_package: ClassVar[str | None] = "tests.plugins"

    def check(self) -> CheckResult:
        ok = self.credentials.api_key.get_secret_value() == GOOD_KEY
        return CheckResult(ok, "ok" if ok else "key refused; set a valid key")

    def read(self, stream: str, cursor: Cursor | None = None) -> Iterator[Page]:
        self.stream(stream)
        start = self.resume_at(cursor)
        size = self.config.page_size
        while start < len(RECORDS):
            end = start + size
            yield Page([dict(r) for r in RECORDS[start:end]], self.cursor_after(end))
            start = end

    def resume_at(self, cursor: Cursor | None) -> int:
        return int(cursor["offset"]) if cursor else 0

    def cursor_after(self, end: int) -> Cursor | None:
        return {"offset": end} if end < len(RECORDS) else None

    def sample_records(self, stream: str) -> list[dict[str, Any]]:
        return [dict(r) for r in RECORDS[:2]]


class DuplicatesOnResume(MemoryAdapter):
    def resume_at(self, cursor: Cursor | None) -> int:
        return max(0, super().resume_at(cursor) - 1)


class SkipsOnResume(MemoryAdapter):
    def resume_at(self, cursor: Cursor | None) -> int:
        return super().resume_at(cursor) + 1 if cursor else 0


class LosesCursorMidway(MemoryAdapter):
    def cursor_after(self, end: int) -> Cursor | None:
        return None


class DatetimeCursor(MemoryAdapter):
    def cursor_after(self, end: int) -> Cursor | None:
        return {"offset": end, "at": datetime(2024, 1, 1, tzinfo=UTC)}


class CheckRaises(MemoryAdapter):
    def check(self) -> CheckResult:
        if self.credentials.api_key.get_secret_value() != GOOD_KEY:
            raise AuthenticationError("refused", status=401)
        return super().check()


class LeakyRepr(MemoryAdapter):
    def __repr__(self) -> str:
        return f"<LeakyRepr key={self.credentials.api_key.get_secret_value()}>"


class PlainCredentials(BaseModel):
    api_key: str


class PlainSecret(MemoryAdapter):
    credentials_model = PlainCredentials


class BadSamples(MemoryAdapter):
    def sample_records(self, stream: str) -> list[dict[str, Any]]:
        return [{"id": "m9", "name": "Broken", "email": "not-an-email"}]


class NoSamples(MemoryAdapter):
    def sample_records(self, stream: str) -> list[dict[str, Any]]:
        return []


class NoMapping(MemoryAdapter):
    mappings_package: ClassVar[str | None] = "plugins"


class SilentOnUnknownStream(MemoryAdapter):
    def read(self, stream: str, cursor: Cursor | None = None) -> Iterator[Page]:
        if stream != "customers":
            return iter(())
        return super().read(stream, cursor)
