"""Change notifications (placeholder)."""
