"""Envelope formats: associated data, payload sealing and the JSON payload codec.

A secret version is sealed with a fresh random 256-bit data key (AES-256-GCM, 96-bit
random nonce). The associated data of both the payload ciphertext and the wrapped data
key binds them to the format version, tenant, connection, the data key's id and (format
2) the secret's version, so a row copied onto another owner, or an older row's ciphertext
put back under a newer version number, fails authentication. Format 1 (no version in the
AAD) is still read; the store rewrites such rows as format 2 on first read. The
key-encryption key's id is bound by the wrapper (``LocalKeyring`` adds it to its own AAD):
it cannot be part of the payload's AAD because rotation rewraps the data key without
touching the payload.
"""

from __future__ import annotations

import json
import os
import secrets as _random
from collections.abc import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import SecretStr

from canonical import DecryptionError, ValidationFailed
from vault._store import SecretPayload

__all__ = [
    "FORMAT_VERSION",
    "NONCE_BYTES",
    "READABLE_FORMATS",
    "check_owner",
    "data_key_aad",
    "encode_aad",
    "new_data_key",
    "new_data_key_id",
    "open_payload",
    "payload_aad",
    "seal_payload",
]

FORMAT_VERSION = 2
"""The format every write uses: the secret's version is part of both AADs."""
READABLE_FORMATS = frozenset({1, 2})
NONCE_BYTES = 12
_KEY_BYTES = 32
_MAX_OWNER = 255


def encode_aad(label: str, *parts: str | int) -> bytes:
    """Unambiguous associated data: a label then length-prefixed UTF-8 parts."""
    out = bytearray(label.encode())
    for part in parts:
        raw = str(part).encode()
        out += len(raw).to_bytes(4, "big") + raw
    return bytes(out)


def _binding(
    tenant: str, connection: str, data_key_id: str, fmt: int, version: int
) -> tuple[str | int, ...]:
    if fmt == 1:
        return (fmt, tenant, connection, data_key_id)
    return (fmt, tenant, connection, data_key_id, version)


def payload_aad(tenant: str, connection: str, data_key_id: str, fmt: int, version: int) -> bytes:
    """The payload ciphertext's AAD (``version`` is ignored by format 1)."""
    parts = _binding(tenant, connection, data_key_id, fmt, version)
    return encode_aad("canonry.vault.payload", *parts)


def data_key_aad(tenant: str, connection: str, data_key_id: str, fmt: int, version: int) -> bytes:
    """The wrapped data key's AAD (``version`` is ignored by format 1)."""
    parts = _binding(tenant, connection, data_key_id, fmt, version)
    return encode_aad("canonry.vault.data-key", *parts)


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=_KEY_BYTES * 8)


def new_data_key_id() -> str:
    return _random.token_hex(16)


def check_owner(tenant: str, connection: str) -> None:
    """Tenant and connection must be non-empty strings of at most 255 characters."""
    for label, value in (("tenant", tenant), ("connection", connection)):
        if not isinstance(value, str) or not value or len(value) > _MAX_OWNER:
            raise ValidationFailed(
                f"the {label} must be a non-empty string of at most {_MAX_OWNER} characters"
            )


def seal_payload(
    data_key: bytes, secrets: Mapping[str, SecretStr], aad: bytes
) -> tuple[bytes, bytes]:
    """``(nonce, ciphertext+tag)`` of the JSON payload under ``data_key``."""
    plain = {name: value.get_secret_value() for name, value in secrets.items()}
    raw = json.dumps(plain, ensure_ascii=False, sort_keys=True).encode()
    nonce = os.urandom(NONCE_BYTES)
    return nonce, AESGCM(data_key).encrypt(nonce, raw, aad)


def open_payload(data_key: bytes, nonce: bytes, ciphertext: bytes, aad: bytes) -> SecretPayload:
    """Decrypt and decode a payload; tampering gives ``DecryptionError``, never ``InvalidTag``."""
    try:
        raw = AESGCM(data_key).decrypt(nonce, ciphertext, aad)
    except (InvalidTag, ValueError) as exc:
        raise DecryptionError(
            "the secret's ciphertext failed authentication",
            hint="the stored row was tampered with or copied from another connection; "
            "store the credential again",
        ) from exc
    plain = json.loads(raw.decode())
    if not isinstance(plain, dict) or not all(isinstance(v, str) for v in plain.values()):
        raise DecryptionError(
            "the decrypted payload is not a map of names to strings",
            hint="store the credential again",
        )
    return {str(name): SecretStr(value) for name, value in plain.items()}
