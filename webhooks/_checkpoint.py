"""SQLite WAL checkpoints off the request path.

By default SQLite checkpoints inside whichever commit pushes the WAL past 1,000 pages, so
one delivery in a few hundred waits for pages to be copied and the database file to be
fsynced. The endpoint's engine turns that off (``wal_autocheckpoint=0`` on its own
connections) and this thread checkpoints every ``interval`` seconds instead, in PASSIVE
mode: it never blocks the writer. Other processes on the same file keep SQLite's default.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

__all__ = ["WalCheckpointer"]

_log = logging.getLogger("canonry.webhooks")


class WalCheckpointer:
    """Checkpoints a SQLite engine's WAL in a background thread (no-op on other databases)."""

    def __init__(self, engine: Engine, *, interval: float = 1.0) -> None:
        self.engine = engine
        self.interval = interval
        self.enabled = engine.dialect.name == "sqlite"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._active = False
        if self.enabled:
            # Listen once, here, and switch with a flag: adding or removing a listener while
            # other threads open connections mutates SQLAlchemy's listener list under them.
            sa.event.listen(engine, "connect", self._on_connect)

    def _on_connect(self, dbapi_conn: Any, _record: Any) -> None:
        if not self._active:
            return
        cursor = dbapi_conn.cursor()
        try:
            cursor.execute("PRAGMA wal_autocheckpoint=0")
        finally:
            cursor.close()

    def start(self) -> None:
        """Take over checkpointing: from now on this engine's connections never autocheckpoint."""
        if not self.enabled or self._thread is not None:
            return
        self._active = True
        self.engine.dispose()  # pooled connections made before the switch reconnect with it
        self._thread = threading.Thread(
            target=self._run, name="canonry-wal-checkpoint", daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
            self._active = False
            self.checkpoint()
            self.engine.dispose()  # back to SQLite's default on every connection

    def checkpoint(self) -> None:
        try:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
        except Exception as exc:  # retried at the next tick; the WAL only grows meanwhile
            _log.warning("WAL checkpoint failed: %s", type(exc).__name__)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.checkpoint()
