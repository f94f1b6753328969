"""Initial schema: the registry tables and the vault's credentials table.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("tenant", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=100), nullable=False),
        sa.Column("target", sa.String(length=300), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_audit_log_tenant"), "audit_log", ["tenant"], unique=False)
    op.create_index(op.f("ix_audit_log_ts"), "audit_log", ["ts"], unique=False)

    op.create_table(
        "canonry_credentials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(length=255), nullable=False),
        sa.Column("connection", sa.String(length=255), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("format_version", sa.Integer(), nullable=False),
        sa.Column("wrapper", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=128), nullable=False),
        sa.Column("data_key_id", sa.String(length=64), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.Column("nonce", sa.LargeBinary(), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant", "connection", name="uq_canonry_credentials_owner"),
    )
    op.create_index(
        "ix_canonry_credentials_key_id", "canonry_credentials", ["key_id"], unique=False
    )

    op.create_table(
        "tenants",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "connections",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("adapter", sa.String(length=100), nullable=False),
        sa.Column("adapter_version", sa.String(length=50), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("credential_ref", sa.String(length=300), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant"],
            ["tenants.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant", "name", name="uq_connections_tenant_name"),
    )
    op.create_index(op.f("ix_connections_tenant"), "connections", ["tenant"], unique=False)

    op.create_table(
        "mapping_versions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant", sa.String(length=100), nullable=False),
        sa.Column("connection_id", sa.String(length=36), nullable=False),
        sa.Column("model", sa.String(length=50), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("mapping", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "connection_id", "model", "version", name="uq_mapping_versions_conn_model_version"
        ),
    )
    op.create_index(
        op.f("ix_mapping_versions_connection_id"),
        "mapping_versions",
        ["connection_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_mapping_versions_tenant"), "mapping_versions", ["tenant"], unique=False
    )

    op.create_table(
        "sync_runs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant", sa.String(length=100), nullable=False),
        sa.Column("connection_id", sa.String(length=36), nullable=False),
        sa.Column("stream", sa.String(length=100), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_sync_runs_connection_id"), "sync_runs", ["connection_id"], unique=False
    )
    op.create_index(op.f("ix_sync_runs_tenant"), "sync_runs", ["tenant"], unique=False)

    op.create_table(
        "sync_state",
        sa.Column("connection_id", sa.String(length=36), nullable=False),
        sa.Column("stream", sa.String(length=100), nullable=False),
        sa.Column("tenant", sa.String(length=100), nullable=False),
        sa.Column("cursor", sa.JSON(), nullable=True),
        sa.Column("consumer_state", sa.JSON(), nullable=True),
        sa.Column("records_synced", sa.Integer(), nullable=False),
        sa.Column("last_status", sa.String(length=20), nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("connection_id", "stream"),
    )
    op.create_index(op.f("ix_sync_state_tenant"), "sync_state", ["tenant"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_sync_state_tenant"), table_name="sync_state")

    op.drop_table("sync_state")
    op.drop_index(op.f("ix_sync_runs_tenant"), table_name="sync_runs")
    op.drop_index(op.f("ix_sync_runs_connection_id"), table_name="sync_runs")

    op.drop_table("sync_runs")
    op.drop_index(op.f("ix_mapping_versions_tenant"), table_name="mapping_versions")
    op.drop_index(op.f("ix_mapping_versions_connection_id"), table_name="mapping_versions")

    op.drop_table("mapping_versions")
    op.drop_index(op.f("ix_connections_tenant"), table_name="connections")

    op.drop_table("connections")
    op.drop_table("tenants")
    op.drop_index("ix_canonry_credentials_key_id", table_name="canonry_credentials")

    op.drop_table("canonry_credentials")
    op.drop_index(op.f("ix_audit_log_ts"), table_name="audit_log")
    op.drop_index(op.f("ix_audit_log_tenant"), table_name="audit_log")

    op.drop_table("audit_log")
