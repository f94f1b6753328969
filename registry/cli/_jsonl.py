"""The ``--out FILE.jsonl`` sink of ``canonry sync``: exact resume by truncating to a checkpoint.

Each checkpoint flushes and fsyncs the file, then stores ``{"out": path, "offset": bytes}``
in the same transaction as the cursor. Resuming an interrupted run truncates the file back
to that offset before the uncommitted page is fetched again, so every record is in the file
exactly once whatever moment the previous process died at.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from canonical import ConfigurationError

if TYPE_CHECKING:
    from canonical import CanonicalModel
    from registry import SyncState

__all__ = ["JsonlSink", "resume_offset"]


def resume_offset(path: Path, state: SyncState | None, full: bool) -> int:
    """Where writing starts: the checkpointed offset when resuming an interrupted run, else 0."""
    from registry import RunStatus

    if full or state is None or state.last_status is RunStatus.SUCCEEDED:
        return 0
    saved = state.consumer_state or {}
    if saved.get("out") != str(path):
        return 0
    return int(saved.get("offset", 0))


class JsonlSink:
    """Appends canonical objects as JSON lines; ``checkpoint()`` makes them durable."""

    def __init__(self, path: Path, offset: int) -> None:
        self.path = path.resolve()
        size = self.path.stat().st_size if self.path.exists() else 0
        if size < offset:
            raise ConfigurationError(
                f"{self.path} holds {size} bytes but the interrupted sync had written {offset}",
                hint="restore the file, or start again with --full",
            )
        try:
            self._file: IO[bytes] = open(self.path, "r+b" if self.path.exists() else "w+b")  # noqa: SIM115
        except OSError as exc:
            raise ConfigurationError(
                f"cannot open {self.path}: {exc.strerror}", hint="check the path and permissions"
            ) from None
        self._file.truncate(offset)
        self._file.seek(offset)
        self.resumed_at = offset

    def write(self, obj: CanonicalModel) -> None:
        self._file.write(obj.model_dump_json().encode() + b"\n")

    def checkpoint(self) -> dict[str, Any]:
        self._file.flush()
        os.fsync(self._file.fileno())
        return {"out": str(self.path), "offset": self._file.tell()}

    def close(self) -> None:
        self._file.close()
