"""``LocalKeyring``: key-encryption keys held locally, wrapping data keys with AES-256-GCM.

AES-256-GCM rather than AES-KW (RFC 3394): key wrap has no associated data, and the
store binds every wrapped data key to its owner and format; GCM also authenticates with
a standard 128-bit tag. Each wrap uses a fresh random 96-bit nonce, so one KEK stays far
below the 2**32-wraps bound. The blob is ``nonce || ciphertext || tag`` (60 bytes), and
the KEK's own id is added to the associated data, so a blob relabelled with another key
id fails.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from canonical import ConfigurationError, CredentialError, DecryptionError, KeyNotFoundError
from vault._envelope import encode_aad
from vault._keyfile import (
    KeyMaterial,
    KeySet,
    generate_key,
    key_file_lock,
    read_key_file,
    write_key_file,
)
from vault._masterkeys import MASTER_KEYS_VAR, parse_master_keys
from vault._wrapping import KeyWrapper, WrappedKey

__all__ = [
    "DEFAULT_KEY_FILE",
    "KEY_FILE_VAR",
    "LocalKeyring",
    "default_key_file",
    "init_local_keyring",
]

KEY_FILE_VAR = "CANONRY_KEY_FILE"
DEFAULT_KEY_FILE = "canonry.keys"
_NONCE = 12
_BLOB = _NONCE + 32 + 16
_Change = Callable[[KeySet], KeySet]


def default_key_file(environ: Mapping[str, str] | None = None) -> Path:
    """``CANONRY_KEY_FILE``, else ``canonry.keys`` in the working directory (beside canonry.db)."""
    env = os.environ if environ is None else environ
    return Path(env.get(KEY_FILE_VAR) or Path.cwd() / DEFAULT_KEY_FILE)


def _kek_aad(key_id: str, aad: bytes) -> bytes:
    return encode_aad("canonry.vault.kek", key_id) + aad


class LocalKeyring(KeyWrapper):
    """Key-encryption keys with ids, one primary; backed by a key file, the environment or memory.

    A file-backed keyring persists ``add_key`` and ``retire``; one read from
    ``CANONRY_MASTER_KEYS`` is read-only (change the variable instead).
    """

    name = "local"

    def __init__(
        self,
        keyset: KeySet,
        *,
        path: Path | None = None,
        source: str = "memory",
        read_only: bool = False,
    ) -> None:
        self._keyset = keyset
        self._path = path
        self._stamp = self._file_stamp()
        self.source = f"file {path}" if path is not None else source
        self.read_only = read_only

    def __repr__(self) -> str:
        primary = self._keyset.primary
        return f"LocalKeyring(source={self.source!r}, primary={primary!r}, keys={self.key_ids()!r})"

    # -- constructors ------------------------------------------------------------------

    @classmethod
    def generate(cls) -> LocalKeyring:
        """A fresh in-memory keyring with one random key (tests, ephemeral use)."""
        key = generate_key()
        return cls(KeySet(key.key_id, (key,)))

    @classmethod
    def load(cls, path: Path) -> LocalKeyring:
        return cls(read_key_file(path), path=path)

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, create: bool = False
    ) -> LocalKeyring:
        """Keys from ``CANONRY_MASTER_KEYS`` if set, else the key file (created if ``create``)."""
        env = os.environ if environ is None else environ
        if env.get(MASTER_KEYS_VAR):
            keyset = parse_master_keys(env[MASTER_KEYS_VAR])
            return cls(keyset, source=MASTER_KEYS_VAR, read_only=True)
        path = default_key_file(env)
        if create:
            init_local_keyring(path)
        return cls.load(path)

    # -- inspection --------------------------------------------------------------------

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def retired_key_ids(self) -> tuple[str, ...]:
        return self._keyset.retired

    def key_ids(self) -> list[str]:
        return [k.key_id for k in self._keyset.keys]

    def primary_key_id(self) -> str:
        return self._keyset.primary

    # -- KeyWrapper --------------------------------------------------------------------

    def wrap(self, data_key: bytes, aad: bytes) -> WrappedKey:
        self._refresh()  # another process may have rotated: write under its new primary
        key = self._key(self._keyset.primary)
        nonce = os.urandom(_NONCE)
        blob = nonce + AESGCM(key.secret).encrypt(nonce, data_key, _kek_aad(key.key_id, aad))
        return WrappedKey(self.name, key.key_id, blob)

    def unwrap(self, wrapped: WrappedKey, aad: bytes) -> bytes:
        if wrapped.wrapper != self.name:
            raise CredentialError(
                f"the data key was wrapped by {wrapped.wrapper!r}, not the local keyring",
                hint="configure the same wrapper it was written with (CANONRY_VAULT_TRANSIT)",
            )
        key = self._key(wrapped.key_id)
        blob = wrapped.blob
        try:
            if len(blob) != _BLOB:
                raise ValueError("wrapped key has the wrong length")
            return AESGCM(key.secret).decrypt(
                blob[:_NONCE], blob[_NONCE:], _kek_aad(key.key_id, aad)
            )
        except (InvalidTag, ValueError) as exc:
            raise DecryptionError(
                f"the data key wrapped under key {key.key_id!r} failed authentication",
                hint=f"the key {key.key_id!r} in this keyring differs from the one it was "
                "written with, or the stored row was tampered with or moved",
            ) from exc

    # -- key management ----------------------------------------------------------------

    def add_key(self) -> str:
        """Generate a new key, make it the primary, persist it; return its id."""
        key = generate_key()
        self._update(lambda ks: KeySet(key.key_id, (*ks.keys, key), ks.retired))
        return key.key_id

    def retire(self, key_id: str) -> None:
        """Forget a key. Refuses the primary; check usage first (``vault.retire_key`` does)."""

        def drop(ks: KeySet) -> KeySet:
            if key_id in ks.retired:
                raise CredentialError(
                    f"key {key_id!r} was already retired",
                    hint="nothing to do; `canonry vault status` lists the current keys",
                )
            if ks.get(key_id) is None:
                known = ", ".join(k.key_id for k in ks.keys)
                raise KeyNotFoundError(key_id, hint=f"known keys: {known}")
            if key_id == ks.primary:
                raise CredentialError(
                    f"key {key_id!r} is the primary key and cannot be retired",
                    hint="run `canonry vault rotate` to make a new primary first",
                )
            keys = tuple(k for k in ks.keys if k.key_id != key_id)
            return KeySet(ks.primary, keys, (*ks.retired, key_id))

        self._update(drop)

    def reload(self) -> None:
        """Re-read the key file (another process may have rotated)."""
        if self._path is not None:
            stamp = self._file_stamp()
            self._keyset, self._stamp = read_key_file(self._path), stamp

    def _refresh(self) -> None:
        if self._path is not None and self._file_stamp() != self._stamp:
            self.reload()

    def _file_stamp(self) -> tuple[int, int, int] | None:
        if self._path is None:
            return None
        try:
            st = self._path.stat()
        except OSError:
            return None
        return st.st_ino, st.st_mtime_ns, st.st_size

    def _update(self, change: _Change) -> None:
        if self.read_only:
            raise ConfigurationError(
                f"keys from {MASTER_KEYS_VAR} are read-only here",
                hint=f"edit {MASTER_KEYS_VAR}: add a new key as primary= and run "
                "`canonry vault rotate`, or drop a retired key from the list",
            )
        if self._path is None:
            self._keyset = change(self._keyset)
            return
        with key_file_lock(self._path):
            updated = change(read_key_file(self._path))
            write_key_file(self._path, updated)
            self._keyset, self._stamp = updated, self._file_stamp()

    def _key(self, key_id: str) -> KeyMaterial:
        key = self._keyset.get(key_id)
        if key is None and self._path is not None:
            self.reload()
            key = self._keyset.get(key_id)
        if key is None:
            raise KeyNotFoundError(key_id)
        return key


def init_local_keyring(path: Path | None = None) -> tuple[Path, bool]:
    """Create a key file with one new primary key unless one exists: ``(path, created)``."""
    target = path or default_key_file()
    if target.exists():
        read_key_file(target)  # refuse a loose-permission or broken file early
        return target, False
    key = generate_key()
    created = write_key_file(target, KeySet(key.key_id, (key,)), exclusive=True)
    return target, created
