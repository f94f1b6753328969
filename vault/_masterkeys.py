"""Parse ``CANONRY_MASTER_KEYS``: keys supplied by the environment instead of a key file.

Format: comma-separated entries, each ``KEY_ID:BASE64URL_KEY`` (32 random bytes,
base64url, padding optional), plus optionally one ``primary=KEY_ID``. Without
``primary=`` the first key is the primary. Whitespace around entries is ignored::

    CANONRY_MASTER_KEYS="k2:Zm9v...,k1:YmFy...,primary=k2"

Errors name the entry's position and key id, never any key material.
"""

from __future__ import annotations

from canonical import ConfigurationError
from vault._keyfile import KeyMaterial, KeySet, check_key_id, decode_key

__all__ = ["MASTER_KEYS_VAR", "parse_master_keys"]

MASTER_KEYS_VAR = "CANONRY_MASTER_KEYS"
_FORMAT_HINT = "use KEY_ID:BASE64URL_KEY[,KEY_ID:BASE64URL_KEY...][,primary=KEY_ID]"


def _parse_entry(entry: str, index: int) -> KeyMaterial:
    where = f"{MASTER_KEYS_VAR} entry {index}"
    key_id, sep, encoded = entry.partition(":")
    if not sep:
        raise ConfigurationError(f"{where} is not KEY_ID:BASE64URL_KEY", hint=_FORMAT_HINT)
    key_id = check_key_id(key_id.strip(), where)
    return KeyMaterial(key_id, decode_key(encoded.strip(), f"{where} ({key_id!r})"))


def parse_master_keys(value: str) -> KeySet:
    """The key set described by a ``CANONRY_MASTER_KEYS`` value."""
    keys: list[KeyMaterial] = []
    primary: str | None = None
    entries = [e.strip() for e in value.split(",") if e.strip()]
    for index, entry in enumerate(entries, start=1):
        if entry.startswith("primary="):
            if primary is not None:
                raise ConfigurationError(f"{MASTER_KEYS_VAR} names primary= more than once")
            primary = check_key_id(entry.removeprefix("primary=").strip(), f"entry {index}")
            continue
        key = _parse_entry(entry, index)
        if any(k.key_id == key.key_id for k in keys):
            raise ConfigurationError(f"{MASTER_KEYS_VAR} lists key id {key.key_id!r} twice")
        keys.append(key)
    if not keys:
        raise ConfigurationError(f"{MASTER_KEYS_VAR} is set but holds no keys", hint=_FORMAT_HINT)
    primary = primary or keys[0].key_id
    if all(k.key_id != primary for k in keys):
        raise ConfigurationError(
            f"{MASTER_KEYS_VAR}: primary={primary!r} is not one of its keys", hint=_FORMAT_HINT
        )
    return KeySet(primary, tuple(keys))
