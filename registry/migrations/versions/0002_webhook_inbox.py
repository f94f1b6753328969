"""The webhook inbox: one row per received vendor event, deduplicated per connection.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "canonry_webhook_inbox",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant", sa.String(length=100), nullable=False),
        sa.Column("connection_id", sa.String(length=36), nullable=False),
        sa.Column("adapter", sa.String(length=100), nullable=False),
        sa.Column("vendor_event_id", sa.String(length=255), nullable=False),
        sa.Column("vendor_event_type", sa.String(length=255), nullable=False),
        sa.Column("object_type", sa.String(length=100), nullable=False),
        sa.Column("object_id", sa.String(length=255), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "connection_id", "vendor_event_id", name="uq_canonry_webhook_inbox_event"
        ),
    )
    op.create_index(
        "ix_canonry_webhook_inbox_tenant_status",
        "canonry_webhook_inbox",
        ["tenant", "status", "received_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_canonry_webhook_inbox_tenant_status", table_name="canonry_webhook_inbox")
    op.drop_table("canonry_webhook_inbox")
