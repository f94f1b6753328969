"""Scheduled syncs (schedules, ticks), the transactional outbox, change notifications
(endpoints, events, deliveries).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _dt(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _str(name: str, length: int, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.String(length=length), nullable=nullable)


def _connection_fk() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["connection_id"], ["connections.id"], ondelete="CASCADE")


def _schedules() -> None:
    op.create_table(
        "canonry_schedules",
        _str("id", 36), _str("tenant", 100), _str("connection_id", 36), _str("stream", 100),
        _str("cron", 120),
        sa.Column("every_seconds", sa.Integer(), nullable=True),
        sa.Column("full_every_seconds", sa.Integer(), nullable=True),
        _dt("last_full_at"), _str("running_workflow", 200, True), _dt("running_since"),
        _dt("created_at", nullable=False), _str("created_by", 200),
        _connection_fk(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "tenant", "connection_id", "stream", name="uq_canonry_schedules_stream"
        ),
    )  # fmt: skip
    op.create_index("ix_canonry_schedules_tenant", "canonry_schedules", ["tenant"])
    op.create_table(
        "canonry_schedule_ticks",
        _str("id", 200), _str("schedule_id", 36), _str("tenant", 100), _str("connection_id", 36),
        _str("stream", 100), _str("trigger", 20), _dt("scheduled_at", nullable=False),
        _dt("started_at", nullable=False), _dt("finished_at"), _str("status", 20),
        sa.Column("full", sa.Boolean(), nullable=False), _str("sync_run_id", 36, True),
        sa.Column("note", sa.Text(), nullable=True),
        _connection_fk(),
        sa.PrimaryKeyConstraint("id"),
    )  # fmt: skip
    op.create_index(
        "ix_canonry_schedule_ticks_history",
        "canonry_schedule_ticks",
        ["tenant", "connection_id", "started_at"],
    )
    op.create_index(
        "ix_canonry_schedule_ticks_schedule",
        "canonry_schedule_ticks",
        ["schedule_id", "started_at"],
    )


def _outbox() -> None:
    op.create_table(
        "canonry_outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        _str("tenant", 100), _str("kind", 40), _str("connection_id", 36), _str("model", 20, True),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Integer(), nullable=False),
        sa.Column("seq_before", sa.BigInteger(), nullable=True),
        sa.Column("last_seq", sa.BigInteger(), nullable=True),
        sa.Column("data", sa.Text(), nullable=True),
        _dt("created_at", nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )  # fmt: skip
    op.create_table(
        "canonry_outbox_subscriptions",
        _str("tenant", 100), _str("kind", 40),
        sa.PrimaryKeyConstraint("tenant", "kind"),
    )  # fmt: skip


def _notifications() -> None:
    op.create_table(
        "canonry_notify_endpoints",
        _str("id", 36), _str("tenant", 100), _str("url", 2000), _str("events", 500),
        _str("description", 500, True), _str("secret_ref", 300),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        _dt("created_at", nullable=False), _str("created_by", 200),
        sa.PrimaryKeyConstraint("id"),
    )  # fmt: skip
    op.create_index("ix_canonry_notify_endpoints_tenant", "canonry_notify_endpoints", ["tenant"])
    op.create_table(
        "canonry_notify_events",
        _str("id", 40), _str("tenant", 100), _str("type", 60),
        sa.Column("body", sa.Text(), nullable=False), _dt("created_at", nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )  # fmt: skip
    op.create_index(
        "ix_canonry_notify_events_tenant", "canonry_notify_events", ["tenant", "created_at"]
    )
    op.create_table(
        "canonry_notify_deliveries",
        _str("id", 36), _str("tenant", 100), _str("endpoint_id", 36), _str("event_id", 40),
        _str("status", 20),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("round_attempts", sa.Integer(), nullable=False),
        _dt("next_attempt_at"), _dt("last_attempt_at"),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        _str("last_error", 500, True), _str("last_response", 1000, True), _dt("delivered_at"),
        _dt("created_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["endpoint_id"], ["canonry_notify_endpoints.id"], ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["event_id"], ["canonry_notify_events.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )  # fmt: skip
    op.create_index(
        "ix_canonry_notify_deliveries_status", "canonry_notify_deliveries", ["tenant", "status"]
    )
    op.create_index(
        "ix_canonry_notify_deliveries_endpoint",
        "canonry_notify_deliveries",
        ["endpoint_id", "created_at"],
    )


def upgrade() -> None:
    _schedules()
    _outbox()
    _notifications()


def downgrade() -> None:
    for table in (
        "canonry_notify_deliveries", "canonry_notify_events", "canonry_notify_endpoints",
        "canonry_outbox_subscriptions", "canonry_outbox", "canonry_schedule_ticks",
        "canonry_schedules",
    ):  # fmt: skip
        op.drop_table(table)
