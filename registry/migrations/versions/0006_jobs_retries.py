"""Webhook jobs retry without holding a worker: the round, next attempt and progress of
each inbox item, and a partial index (unfinished rows) for "is an older event about this
object unfinished?".

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_INBOX = "canonry_webhook_inbox"


def upgrade() -> None:
    with op.batch_alter_table(_INBOX) as batch:
        batch.add_column(sa.Column("run_round", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("progress", sa.JSON(), nullable=True))
    unfinished = sa.text("status IN ('received', 'processing')")
    op.create_index(
        "ix_canonry_webhook_inbox_unfinished_object",
        _INBOX,
        ["connection_id", "object_type", "object_id", "occurred_at"],
        sqlite_where=unfinished,
        postgresql_where=unfinished,
    )


def downgrade() -> None:
    op.drop_index("ix_canonry_webhook_inbox_unfinished_object", table_name=_INBOX)
    with op.batch_alter_table(_INBOX) as batch:
        batch.drop_column("progress")
        batch.drop_column("next_attempt_at")
        batch.drop_column("run_round")
