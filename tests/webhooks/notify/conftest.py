"""Notification fixtures: the schedules' database and fake API, the sender's settings
for loopback receivers (the operator settings that allow http and private targets)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.registry.schedules.conftest import RecordingAPI, ScheduleEnv, make_env
from webhooks.notify import Endpoints, NotifySettings

LOOPBACK = {
    "CANONRY_NOTIFY_ALLOW_PRIVATE": "1",
    "CANONRY_NOTIFY_ALLOW_HTTP": "1",
    "CANONRY_NOTIFY_RETRY_SCHEDULE": "0.2,0.2,0.4,0.8,1,1,2",
    "CANONRY_NOTIFY_POLL_SECONDS": "0.05",
}


@pytest.fixture
def loopback_settings(monkeypatch: pytest.MonkeyPatch) -> NotifySettings:
    for name, value in LOOPBACK.items():
        monkeypatch.setenv(name, value)
    return NotifySettings.from_env()


@pytest.fixture
def notify_env(tmp_path: Path, loopback_settings: NotifySettings) -> Iterator[ScheduleEnv]:
    api = RecordingAPI(total=250)
    env = make_env(f"sqlite:///{tmp_path / 'canonry.db'}", tmp_path, tmp_path, api)
    yield env
    for runtime in env.runtimes:
        runtime.shutdown(timeout=0)
    env.registry.close()
    env.engine.dispose()
    api.close()


@pytest.fixture
def pg_notify_env(
    postgres_url: str, tmp_path: Path, loopback_settings: NotifySettings
) -> Iterator[ScheduleEnv]:
    import uuid

    import sqlalchemy as sa

    from registry import create_engine

    schema = f"dbos_{uuid.uuid4().hex[:10]}"
    api = RecordingAPI(total=250)
    env = make_env(postgres_url, tmp_path, tmp_path, api, dbos_schema=schema)
    yield env
    for runtime in env.runtimes:
        runtime.shutdown(timeout=0)
    env.registry.close()
    env.engine.dispose()
    api.close()
    admin = create_engine(postgres_url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def endpoints(notify_env: ScheduleEnv, loopback_settings: NotifySettings) -> Endpoints:
    return Endpoints(notify_env.registry, loopback_settings)
