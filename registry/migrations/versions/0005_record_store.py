"""The record store (canonical replica), tenants' change sequences, API keys; sync run counts.

On PostgreSQL the store's tables get row-level security (forced, so the table owner is
subject to it too): a session sees and writes only the rows of the tenant it set in
``canonry.tenant``.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_RLS_TABLES = ("canonry_records", "canonry_change_seq")
_WHEN = "tenant = current_setting('canonry.tenant', true)"


def _dt(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "canonry_records",
        sa.Column("tenant", sa.String(length=100), nullable=False),
        sa.Column("model", sa.String(length=20), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("connection_id", sa.String(length=36), nullable=False),
        sa.Column("stream", sa.String(length=100), nullable=False),
        sa.Column("remote_id", sa.String(length=255), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        _dt("version_at"),
        _dt("modified_at", nullable=False),
        sa.Column("snapshot", sa.String(length=64), nullable=True),
        sa.Column("remote_data", sa.Text(), nullable=True),
        _dt("remote_data_at"),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("status", sa.String(length=30), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("customer_id", sa.String(length=36), nullable=True),
        sa.Column("event_type", sa.String(length=60), nullable=True),
        _dt("issued_at"),
        _dt("due_at"),
        _dt("occurred_at"),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("tenant", "model", "id"),
        sa.UniqueConstraint("tenant", "seq", name="uq_canonry_records_tenant_seq"),
    )
    op.create_index("ix_canonry_records_listing", "canonry_records", ["tenant", "model", "seq"])
    op.create_index(
        "ix_canonry_records_connection",
        "canonry_records",
        ["connection_id", "stream", "deleted"],
    )
    op.create_table(
        "canonry_change_seq",
        sa.Column("tenant", sa.String(length=100), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tenant"),
    )
    op.create_table(
        "canonry_api_keys",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.String(length=500), nullable=False),
        sa.Column("rate_per_minute", sa.Integer(), nullable=False),
        _dt("created_at", nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        _dt("revoked_at"),
        _dt("last_used_at"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_canonry_api_keys_tenant", "canonry_api_keys", ["tenant"])
    with op.batch_alter_table("sync_runs") as batch:
        batch.add_column(sa.Column("changed", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("deleted", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("connections") as batch:
        batch.add_column(sa.Column("settings", sa.JSON(), nullable=False, server_default="{}"))
    with op.batch_alter_table("sync_state") as batch:
        batch.add_column(sa.Column("snapshot", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("snapshot_seq", sa.BigInteger(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        for table in _RLS_TABLES:
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            op.execute(
                f"CREATE POLICY {table}_tenant ON {table} USING ({_WHEN}) WITH CHECK ({_WHEN})"
            )


def downgrade() -> None:
    with op.batch_alter_table("connections") as batch:
        batch.drop_column("settings")
    with op.batch_alter_table("sync_state") as batch:
        batch.drop_column("snapshot_seq")
        batch.drop_column("snapshot")
    with op.batch_alter_table("sync_runs") as batch:
        batch.drop_column("deleted")
        batch.drop_column("changed")
    op.drop_index("ix_canonry_api_keys_tenant", table_name="canonry_api_keys")
    op.drop_table("canonry_api_keys")
    op.drop_table("canonry_change_seq")
    op.drop_index("ix_canonry_records_connection", table_name="canonry_records")
    op.drop_index("ix_canonry_records_listing", table_name="canonry_records")
    op.drop_table("canonry_records")
