"""The key-wrapping seam of envelope encryption.

The local store encrypts each secret with a fresh data key and asks a ``KeyWrapper`` to
wrap that data key under a key-encryption key (KEK). The local keyring is one wrapper;
HashiCorp Vault Transit is another, so the KEK never leaves Vault.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

__all__ = ["KeyWrapper", "WrappedKey"]


@dataclass(frozen=True)
class WrappedKey:
    """A data key wrapped under the KEK ``key_id`` (``wrapper`` names the wrapper kind)."""

    wrapper: str
    key_id: str
    blob: bytes

    def __repr__(self) -> str:
        size = len(self.blob)
        return f"WrappedKey(wrapper={self.wrapper!r}, key_id={self.key_id!r}, blob=<{size} bytes>)"


class KeyWrapper(ABC):
    """Wrap and unwrap data keys; ``aad`` binds the wrapped key to its owner and format."""

    name: str

    @abstractmethod
    def primary_key_id(self) -> str:
        """The KEK new writes are wrapped under."""

    @abstractmethod
    def wrap(self, data_key: bytes, aad: bytes) -> WrappedKey: ...

    @abstractmethod
    def unwrap(self, wrapped: WrappedKey, aad: bytes) -> bytes:
        """Raise ``KeyNotFoundError`` for an unknown KEK, ``DecryptionError`` on tampering."""

    def rewrap(self, wrapped: WrappedKey, aad: bytes) -> WrappedKey:
        """Re-wrap under the primary KEK without exposing the data key to storage."""
        return self.wrap(self.unwrap(wrapped, aad), aad)
