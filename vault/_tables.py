"""The SQL table holding the local store's ciphertexts (on SQLModel's default metadata).

One row per (tenant, connection). Nothing in it is a secret in clear: the payload is
AES-256-GCM ciphertext under a per-version data key, and the data key is stored only
wrapped under a key-encryption key that lives outside the database. The registry's
Alembic migration creates this table; its name and columns are a stable contract.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

__all__ = [
    "CREDENTIALS_TABLE",
    "VERSIONS_TABLE",
    "CredentialRow",
    "CredentialVersionRow",
    "credentials_table",
    "versions_table",
]

CREDENTIALS_TABLE = "canonry_credentials"
VERSIONS_TABLE = "canonry_credential_versions"


def _now() -> datetime:
    return datetime.now(UTC)


class CredentialRow(SQLModel, table=True):
    """An encrypted credential: payload ciphertext plus its wrapped data key."""

    __tablename__ = CREDENTIALS_TABLE
    __table_args__ = (
        sa.UniqueConstraint("tenant", "connection", name="uq_canonry_credentials_owner"),
        sa.Index("ix_canonry_credentials_key_id", "key_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(sa_type=sa.String(255), nullable=False)
    connection: str = Field(sa_type=sa.String(255), nullable=False)
    version: int = Field(nullable=False)
    """The secret's version: above every version this owner ever had (see
    :class:`CredentialVersionRow`); rewrapping keeps it. Bound into both AADs (format 2)."""
    format_version: int = Field(nullable=False)
    """The envelope format (associated-data layout, algorithms); bound into the AAD."""
    wrapper: str = Field(sa_type=sa.String(64), nullable=False)
    """The ``KeyWrapper.name`` that wrapped the data key (``local``, ``transit``)."""
    key_id: str = Field(sa_type=sa.String(128), nullable=False)
    """The key-encryption key the data key is wrapped under."""
    data_key_id: str = Field(sa_type=sa.String(64), nullable=False)
    """A random id of this version's data key; bound into both AADs."""
    wrapped_key: bytes = Field(sa_type=sa.LargeBinary, nullable=False)
    nonce: bytes = Field(sa_type=sa.LargeBinary, nullable=False)
    ciphertext: bytes = Field(sa_type=sa.LargeBinary, nullable=False)
    """AES-256-GCM output over the JSON payload: ciphertext followed by the 16-byte tag."""
    created_at: datetime = Field(
        default_factory=_now, sa_type=sa.DateTime(timezone=True), nullable=False
    )
    updated_at: datetime = Field(
        default_factory=_now, sa_type=sa.DateTime(timezone=True), nullable=False
    )


def credentials_table() -> sa.Table:
    """The Core ``Table`` of :class:`CredentialRow` (typed, for conditional updates)."""
    return SQLModel.metadata.tables[CREDENTIALS_TABLE]


class CredentialVersionRow(SQLModel, table=True):
    """The newest version each (tenant, connection) ever stored: the rollback high-water mark.

    Written in the same transaction as every credential write and kept when the credential
    is deleted, so version numbers never repeat. A credential row older than its mark was
    restored from a backup or replayed, and is refused until accepted explicitly
    (``LocalCredentialStore.accept_restored``).
    """

    __tablename__ = VERSIONS_TABLE

    tenant: str = Field(sa_type=sa.String(255), primary_key=True)
    connection: str = Field(sa_type=sa.String(255), primary_key=True)
    version: int = Field(nullable=False)
    updated_at: datetime = Field(
        default_factory=_now, sa_type=sa.DateTime(timezone=True), nullable=False
    )


def versions_table() -> sa.Table:
    """The Core ``Table`` of :class:`CredentialVersionRow`."""
    return SQLModel.metadata.tables[VERSIONS_TABLE]
