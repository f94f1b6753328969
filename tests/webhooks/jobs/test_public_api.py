"""The public surface of the jobs and handler packages is pinned; importing stays light."""

from __future__ import annotations

import subprocess
import sys

import pytest

import webhooks
import webhooks.handlers
import webhooks.jobs


def test_exported_names_are_pinned() -> None:
    assert sorted(webhooks.jobs.__all__) == sorted([
        "APP_NAME", "APP_VERSION", "QUEUE_NAME", "RETRY_QUEUE_NAME", "WORKFLOW_NAME", "JobMetrics",
        "JobRuntime", "JobSettings", "ObjectStateRow", "WorkerRow", "build_event",
        "current_runtime", "dbos_client", "dbos_database_url", "dead_letters", "enqueue_items",
        "enqueue_workflow", "find_item_id", "idempotency_key", "job_metrics", "launch_dbos",
        "read_event", "replay_many",
        "prepare_dbos", "process_item", "purge", "replay", "running_items", "succeeded_handlers",
        "take_over_dead_workers",
    ])  # fmt: skip
    assert sorted(webhooks.handlers.__all__) == sorted([
        "DEFAULT_HANDLERS", "ENTRY_POINT_GROUP", "HANDLER_PLUGINS_ENV", "Handler", "HandlerFunc",
        "HandlerRegistry", "discover_handlers",
        "StalePolicy", "load_entry_points", "load_handlers", "load_spec", "on", "specs_from_env",
    ])  # fmt: skip
    for name in webhooks.jobs.__all__:
        assert getattr(webhooks.jobs, name) is not None
    assert webhooks.on == webhooks.handlers.DEFAULT_HANDLERS.on
    assert webhooks.handlers.ENTRY_POINT_GROUP == "canonry.webhook_handlers"


@pytest.mark.slow
def test_the_tables_and_handlers_import_without_dbos() -> None:
    code = (
        "import sys, webhooks.jobs._tables, webhooks.handlers, registry.cli._app; "
        "print('dbos' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
