"""Vault: per-credential version high-water marks (credential rollback is refused).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04

Existing credentials get a mark at their current version, so a row later restored from an
older backup is refused from the first read on. Rows stay in envelope format 1 until they
are next read or written (then they are sealed again as format 2, which binds the version).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "canonry_credential_versions",
        sa.Column("tenant", sa.String(length=255), nullable=False),
        sa.Column("connection", sa.String(length=255), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "connection"),
    )
    op.execute(
        "INSERT INTO canonry_credential_versions (tenant, connection, version, updated_at) "
        "SELECT tenant, connection, version, updated_at FROM canonry_credentials"
    )


def downgrade() -> None:
    op.drop_table("canonry_credential_versions")
