"""The inbox's listing index: a tenant's newest items first, without sorting its inbox.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_canonry_webhook_inbox_tenant_received",
        "canonry_webhook_inbox",
        ["tenant", "received_at", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_canonry_webhook_inbox_tenant_received", table_name="canonry_webhook_inbox")
