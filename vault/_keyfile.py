"""Key-encryption keys on disk and in ``CANONRY_MASTER_KEYS``.

The key file is JSON, written atomically (a temp file opened ``O_EXCL`` with mode 0600,
fsynced, then renamed over the target), so it is never readable by group or others, even
briefly, and a crash leaves either the old or the new file. A file with group or other
permission bits is refused. Messages never contain key material.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from canonical import ConfigurationError

__all__ = [
    "KEY_BYTES",
    "KeyMaterial",
    "KeySet",
    "check_key_id",
    "decode_key",
    "encode_key",
    "generate_key",
    "key_file_lock",
    "read_key_file",
    "write_key_file",
]

KEY_BYTES = 32
_FILE_FORMAT = "canonry-keyring"
_KEY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class KeyMaterial:
    """One key-encryption key; ``secret`` never appears in the repr."""

    key_id: str
    secret: bytes = field(repr=False)
    created_at: str = ""


@dataclass(frozen=True)
class KeySet:
    """The keys of a keyring, the primary's id and the ids retired so far."""

    primary: str
    keys: tuple[KeyMaterial, ...]
    retired: tuple[str, ...] = ()

    def get(self, key_id: str) -> KeyMaterial | None:
        return next((k for k in self.keys if k.key_id == key_id), None)


def check_key_id(key_id: str, where: str) -> str:
    if not _KEY_ID.match(key_id):
        raise ConfigurationError(
            f"{where}: invalid key id",
            hint="key ids are 1-64 characters of letters, digits, '_', '.' or '-'",
        )
    return key_id


def decode_key(text: str, where: str) -> bytes:
    """Base64url (padding optional) that must decode to exactly 32 bytes."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ConfigurationError(
            f"{where}: the key is not valid base64url", hint="encode 32 random bytes"
        ) from exc
    if len(raw) != KEY_BYTES:
        raise ConfigurationError(
            f"{where}: the key must be {KEY_BYTES} bytes, got {len(raw)}",
            hint='generate one with: python -c "import os,base64;'
            'print(base64.urlsafe_b64encode(os.urandom(32)).decode())"',
        )
    return raw


def encode_key(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def generate_key() -> KeyMaterial:
    """A fresh random 256-bit key with a dated, random id (``k20260101-1a2b3c4d``)."""
    now = datetime.now(UTC)
    key_id = f"k{now:%Y%m%d}-{secrets.token_hex(4)}"
    return KeyMaterial(key_id, secrets.token_bytes(KEY_BYTES), now.isoformat(timespec="seconds"))


def _check_permissions(path: Path) -> None:
    mode = path.stat().st_mode
    if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigurationError(
            f"key file {path} is accessible by group or others (mode {stat.S_IMODE(mode):04o})",
            hint=f"restrict it with: chmod 600 {path}",
        )


def _entry(item: object, path: Path, index: int) -> KeyMaterial:
    where = f"key file {path}, key #{index + 1}"
    if not isinstance(item, dict) or not isinstance(item.get("id"), str):
        raise ConfigurationError(f"{where}: each key needs a string 'id' and 'key'")
    key_id = check_key_id(item["id"], where)
    raw = item.get("key")
    if not isinstance(raw, str):
        raise ConfigurationError(f"{where} ({key_id!r}): 'key' must be a base64url string")
    created = item.get("created_at", "")
    return KeyMaterial(key_id, decode_key(raw, f"{where} ({key_id!r})"), str(created))


def read_key_file(path: Path) -> KeySet:
    """Load and validate a key file; refuse one that group or others can access."""
    if not path.exists():
        raise ConfigurationError(
            f"no key file at {path}",
            hint="restore it from your backup (or point CANONRY_KEY_FILE at it, or supply "
            "CANONRY_MASTER_KEYS); `canonry init` makes a new key only while no secret is "
            "stored, `canonry init --new-key` starts over knowingly",
        )
    _check_permissions(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"key file {path} is not readable JSON") from exc
    if not isinstance(doc, dict) or doc.get("format") != _FILE_FORMAT:
        raise ConfigurationError(f"{path} is not a Canonry key file (format {_FILE_FORMAT!r})")
    items = doc.get("keys")
    if not isinstance(items, list) or not items:
        raise ConfigurationError(f"key file {path} holds no keys")
    keys = tuple(_entry(item, path, i) for i, item in enumerate(items))
    keyset = KeySet(str(doc.get("primary")), keys, tuple(map(str, doc.get("retired", []))))
    if keyset.get(keyset.primary) is None:
        raise ConfigurationError(
            f"key file {path}: primary {keyset.primary!r} is not among its keys"
        )
    return keyset


def _dump(keyset: KeySet) -> bytes:
    doc = {
        "format": _FILE_FORMAT,
        "version": 1,
        "primary": keyset.primary,
        "keys": [
            {"id": k.key_id, "key": encode_key(k.secret), "created_at": k.created_at}
            for k in keyset.keys
        ],
        "retired": list(keyset.retired),
    }
    return (json.dumps(doc, indent=2) + "\n").encode()


def _fsync_dir(directory: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_key_file(path: Path, keyset: KeySet, *, exclusive: bool = False) -> bool:
    """Write atomically with mode 0600; with ``exclusive`` never replace an existing file.

    Returns ``False`` when ``exclusive`` and the file already existed (nothing written).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)  # whatever the umask said
        os.write(fd, _dump(keyset))
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        if exclusive:
            try:
                os.link(tmp, path)  # atomic create-if-missing
            except FileExistsError:
                return False
        else:
            os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(path.parent)
    return True


@contextmanager
def key_file_lock(path: Path) -> Iterator[None]:
    """An exclusive advisory lock on ``<path>.lock`` around read-modify-write of the file."""
    lock_path = path.with_name(path.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if os.name == "posix":
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
