"""Stripe adapters broken in one way each, so a test can show the kit catches that way."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import ClassVar

from adapters import Cursor, Page
from adapters.stripe import StripeAdapter


class _Tampered(StripeAdapter):
    mappings_package: ClassVar[str | None] = "adapters.stripe"

    def read(self, stream: str, cursor: Cursor | None = None) -> Iterator[Page]:
        for page in super().read(stream, cursor):
            yield self.tamper(page, cursor)

    def tamper(self, page: Page, cursor: Cursor | None) -> Page:
        return page


class CutsLines(_Tampered):
    """Keeps only the 10 lines Stripe embeds (the webhook bug of issue 13, item 2)."""

    def tamper(self, page: Page, cursor: Cursor | None) -> Page:
        for record in page.records:
            lines = record.get("lines") or {}
            if len(lines.get("data") or []) > 10:
                record["lines"] = {**lines, "data": lines["data"][:10], "has_more": True}
        return page


class NoSnapshotFlag(_Tampered):
    """Falls back to a full listing without saying so (no ``Page.snapshot_start``)."""

    def tamper(self, page: Page, cursor: Cursor | None) -> Page:
        return dataclasses.replace(page, snapshot_start=False)


class DropsEvents(_Tampered):
    """Reads the events but emits nothing for them."""

    def tamper(self, page: Page, cursor: Cursor | None) -> Page:
        if (cursor or {}).get("mode") == "events" and not page.snapshot_start:
            return dataclasses.replace(page, records=[])
        return page


class DropsOne(_Tampered):
    """Loses the last record of every full-listing page but the last."""

    def tamper(self, page: Page, cursor: Cursor | None) -> Page:
        if (page.cursor or {}).get("mode") == "full":
            return dataclasses.replace(page, records=page.records[:-1])
        return page
