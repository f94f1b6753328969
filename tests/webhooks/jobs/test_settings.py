"""Job settings, DBOS URLs and the enqueue priority."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from canonical import ConfigurationError
from webhooks.jobs import JobSettings, dbos_database_url
from webhooks.jobs._enqueue import priority_of


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sqlite:///canonry.db", "sqlite:///canonry.db"),
        ("sqlite+pysqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
        ("postgresql://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
        (
            "postgres://u@h:5433/db?options=-csearch_path%3Ds",
            "postgresql+psycopg://u@h:5433/db?options=-csearch_path%3Ds",
        ),
    ],
)
def test_database_urls_are_translated_for_dbos(given: str, expected: str) -> None:
    assert dbos_database_url(given) == expected


def test_unsupported_databases_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="mysql"):
        dbos_database_url("mysql://u@h/db")


def test_settings_read_the_environment_and_arguments_win() -> None:
    env = {"CANONRY_WORKER_CONCURRENCY": "4", "CANONRY_EXECUTOR_ID": "w-1"}
    settings = JobSettings.from_env(env, concurrency=9)
    assert (settings.concurrency, settings.executor_id) == (9, "w-1")


def test_bad_settings_name_the_variable() -> None:
    with pytest.raises(ConfigurationError, match="CANONRY_WORKER_CONCURRENCY"):
        JobSettings.from_env({"CANONRY_WORKER_CONCURRENCY": "zero"})


def test_priority_orders_by_occurrence_and_stays_in_dbos_range() -> None:
    now = datetime(2026, 11, 21, tzinfo=UTC)
    assert priority_of(now) < priority_of(now + timedelta(seconds=1))
    assert priority_of(datetime(1990, 1, 1, tzinfo=UTC)) == 1
    assert priority_of(datetime(2200, 1, 1, tzinfo=UTC)) == 2**31 - 1
    assert priority_of(now.replace(tzinfo=None)) == priority_of(now)
