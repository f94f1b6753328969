"""Scheduled syncs on DBOS (placeholder)."""
