"""The ``--out FILE.jsonl`` sink of ``canonry sync``: never destroys data it did not write.

Each checkpoint flushes and fsyncs the file, then stores, in the same transaction as the
cursor, what identifies the file Canonry wrote: ``{"out": path, "offset": bytes, "device",
"inode", "head": sha256 of its first 64 KiB (or fewer, up to offset)}``. A sync decides
where to write from the stream's last checkpoint (``plan_output``):

- no file, or an empty one: write from the start (a new file is created with mode 0600);
- the file of the last checkpoint (same path, device, inode and head):
  after an interrupted run, cut back to the checkpointed offset (only what that run wrote
  past its last checkpoint goes) and go on; after a finished run, append at the end;
- any other non-empty file: refused, unless ``--overwrite`` says to replace its contents.

So every record is in the file exactly once across interrupted runs, new runs append, and
a file Canonry did not write (an unrelated ``notes.txt``) is never touched.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

from canonical import ConfigurationError

if TYPE_CHECKING:
    from canonical import CanonicalModel
    from registry import SyncState

__all__ = ["HEAD_BYTES", "JsonlSink", "OutputPlan", "file_head", "plan_output"]

HEAD_BYTES = 64 * 1024
Mode = Literal["new", "append", "resume", "overwrite"]


@dataclass(frozen=True)
class OutputPlan:
    """Where writing starts, and what happens to the bytes after it (``cut``)."""

    mode: Mode
    offset: int

    @property
    def cut(self) -> bool:
        return self.mode in ("resume", "overwrite")


def file_head(path: Path, length: int) -> str:
    """The sha256 (hex) of the first ``min(length, HEAD_BYTES)`` bytes of ``path``."""
    with path.open("rb") as f:
        return hashlib.sha256(f.read(min(length, HEAD_BYTES))).hexdigest()


def _ours(path: Path, saved: dict[str, Any]) -> bool:
    """Is ``path`` the file the saved checkpoint describes?"""
    if saved.get("out") != str(path):
        return False
    if "inode" not in saved:  # a checkpoint written before identities were recorded
        return True
    st = path.stat()
    if (st.st_dev, st.st_ino) != (saved.get("device"), saved.get("inode")):
        return False
    offset = int(saved.get("offset", 0))
    return st.st_size >= min(offset, HEAD_BYTES) and file_head(path, offset) == saved.get("head")


def _foreign(path: Path, size: int) -> ConfigurationError:
    return ConfigurationError(
        f"{path} is not empty ({size:,} bytes) and is not the file this sync wrote",
        hint="choose another --out file, or pass --overwrite to replace its contents",
    )


def plan_output(path: Path, state: SyncState | None, *, overwrite: bool) -> OutputPlan:
    """Decide where a sync into ``path`` starts writing (see the module docstring)."""
    from registry import RunStatus

    size = path.stat().st_size if path.is_file() else 0
    if path.exists() and not path.is_file():
        raise ConfigurationError(f"{path} is not a regular file", hint="choose another --out")
    saved = (state.consumer_state if state is not None else None) or {}
    if overwrite:
        return OutputPlan("overwrite", 0)
    if size == 0:
        return OutputPlan("new", 0)
    if not _ours(path, saved):
        raise _foreign(path, size)
    offset = int(saved.get("offset", 0))
    if state is not None and state.last_status is RunStatus.SUCCEEDED:
        return OutputPlan("append", size)
    if size < offset:
        raise ConfigurationError(
            f"{path} holds {size} bytes but the interrupted sync had written {offset}",
            hint="restore the file, or start it over with --overwrite",
        )
    return OutputPlan("resume", offset)


def _open(path: Path) -> IO[bytes]:
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise ConfigurationError(
            f"cannot open {path}: {exc.strerror}", hint="check the path and permissions"
        ) from None
    return os.fdopen(fd, "r+b")


class JsonlSink:
    """Writes canonical objects as JSON lines from ``plan.offset``; ``checkpoint()`` makes
    them durable and returns what identifies the file (stored with the cursor)."""

    def __init__(self, path: Path, plan: OutputPlan) -> None:
        self.path = path.resolve()
        self.plan = plan
        self._file = _open(self.path)
        if plan.cut:
            self._file.truncate(plan.offset)
        self._file.seek(plan.offset)
        self._head: str | None = None

    @property
    def resumed_at(self) -> int:
        return self.plan.offset if self.plan.mode == "resume" else 0

    def write(self, obj: CanonicalModel) -> None:
        self._file.write(obj.model_dump_json().encode() + b"\n")

    def checkpoint(self) -> dict[str, Any]:
        self._file.flush()
        os.fsync(self._file.fileno())
        offset = self._file.tell()
        head = self._head
        if head is None:
            head = file_head(self.path, offset)
            if offset >= HEAD_BYTES:  # only appends follow: the head no longer changes
                self._head = head
        st = os.fstat(self._file.fileno())
        return {
            "out": str(self.path),
            "offset": offset,
            "device": st.st_dev,
            "inode": st.st_ino,
            "head": head,
        }

    def close(self) -> None:
        self._file.close()
