"""The public surface of registry.schedules and webhooks.notify is pinned; their tables
(what migrations import) and the CLI load without DBOS."""

from __future__ import annotations

import subprocess
import sys

import registry.schedules
import webhooks.notify


def test_exported_names_are_pinned() -> None:
    assert sorted(registry.schedules.__all__) == sorted([
        "DEFAULT_SYNC_SLOTS", "QUEUE_NAME", "SCHEDULE_PREFIX", "WORKFLOW_NAME", "HistoryEntry",
        "Schedule", "ScheduleCollector", "ScheduleRow", "ScheduleRuntime", "Schedules",
        "TickRow", "TickStatus", "cron_for_interval", "current", "dbos_schedule_name",
        "install", "parse_duration", "prepare_schedules", "sync_history", "uninstall",
        "valid_cron",
    ])  # fmt: skip
    assert sorted(webhooks.notify.__all__) == sorted([
        "DEFAULT_RETRY_SCHEDULE", "QUEUE_NAME", "TEST_EVENT", "USER_AGENT", "WORKFLOW_NAME",
        "Attempt", "Delivery", "DeliveryRow", "DeliveryStatus", "Endpoint", "EndpointRow",
        "Endpoints", "EventRow", "GuardedTransport", "NotifyMetrics", "NotifyRuntime",
        "NotifySettings", "Sender", "TargetRefused", "address_problem", "attach_runtime",
        "check_endpoint_url", "current", "dispatch", "list_deliveries", "notify_metrics",
        "replay_deliveries", "secret_key", "send_test", "system_resolver",
    ])  # fmt: skip
    for module in (registry.schedules, webhooks.notify):
        for name in module.__all__:
            assert getattr(module, name) is not None
        assert sorted(dir(module)) == sorted(module.__all__)


def test_tables_and_cli_import_without_dbos() -> None:
    code = (
        "import sys, registry.schedules._tables, webhooks.notify._tables, registry._outbox, "
        "registry.cli._app, registry._migrate; registry._migrate.migrated_metadata(); "
        "print('dbos' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
