"""Schedule fixtures: a migrated database with a connection to the loopback fake API, DBOS
launched in this process or in ``canonry worker`` subprocesses, and conditions to wait on."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from registry import Registry, create_engine, upgrade
from registry._tables import SyncRunRow
from registry.schedules import Schedules, TickRow
from tests.harness import Processes
from tests.registry.fake_adapter import FakeAdapter, FakeAPI
from vault import LocalCredentialStore, LocalKeyring
from webhooks.handlers import HandlerRegistry
from webhooks.jobs import JobRuntime, JobSettings, dbos_client, launch_dbos, prepare_dbos

REPO = Path(__file__).resolve().parents[3]
API_KEY = "sk_test_schedules_5c2a"
TENANT = "acme"


class RecordingAPI(FakeAPI):
    """The fake API, recording every page offset it served (and able to hold pages)."""

    def __init__(self, total: int, *, delay: float = 0.0) -> None:
        self.offsets: list[int] = []
        self.gate = threading.Event()
        self.gate.set()
        self.hold_after: int | None = None
        """Close the gate once this many pages were served (the next one waits)."""
        self.waiting = threading.Event()
        super().__init__(total, delay=delay)

    def page(self, offset: int, limit: int) -> dict[str, Any]:
        if self.hold_after is not None and len(self.offsets) >= self.hold_after:
            self.gate.clear()
        if not self.gate.is_set():
            self.waiting.set()
        self.gate.wait(timeout=300)
        self.offsets.append(offset)
        return super().page(offset, limit)


def wait_for(condition: Callable[[], Any], what: str, timeout: float = 120.0) -> Any:
    """Poll ``condition`` until it returns something truthy (generous deadline)."""
    deadline = time.monotonic() + timeout
    while True:
        found = condition()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


@dataclass
class ScheduleEnv:
    url: str
    engine: sa.Engine
    registry: Registry
    api: RecordingAPI
    connection_id: str
    key_file: Path
    plugin_path: Path
    dbos_schema: str = "dbos"
    runtimes: list[JobRuntime] = field(default_factory=list)

    def schedules(self) -> Schedules:
        return Schedules(self.registry, dbos_client(self.engine, self.dbos_schema))

    def launch(self, **settings: Any) -> JobRuntime:
        """DBOS in this process, running schedules (the registry's own adapters)."""
        settings.setdefault("executor_id", "sched-test")
        settings.setdefault("polling_interval", 0.05)
        settings.setdefault("dbos_schema", self.dbos_schema)
        store = self.registry.credential_store
        runtime = launch_dbos(
            self.url,
            role="worker",
            settings=JobSettings(database_url=self.url, **settings),
            handlers=HandlerRegistry(),
            registry_factory=lambda tenant: Registry(
                self.url, tenant=tenant, credentials=store, adapters={"fake": FakeAdapter}
            ),
        )
        self.runtimes.append(runtime)
        return runtime

    def rows(self, sql: str, **params: Any) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(sa.text(sql), params).all())

    def ticks(self) -> list[Any]:
        table = TickRow.__table__  # type: ignore[attr-defined]
        with self.engine.connect() as conn:
            return list(conn.execute(sa.select(table).order_by(table.c.scheduled_at, table.c.id)))

    def runs(self) -> list[Any]:
        table = SyncRunRow.__table__  # type: ignore[attr-defined]
        with self.engine.connect() as conn:
            return list(conn.execute(sa.select(table).order_by(table.c.started_at)))

    def worker_env(self, **extra: str) -> dict[str, str]:
        return {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(self.plugin_path), str(REPO)]),
            "CANONRY_DATABASE_URL": self.url,
            "CANONRY_KEY_FILE": str(self.key_file),
            "CANONRY_TENANT": TENANT,
            "CANONRY_VAULT": "local",
            "CANONRY_DBOS_SCHEMA": self.dbos_schema,
            "CANONRY_QUEUE_POLL_SECONDS": "0.05",
            **extra,
        }


def make_env(
    url: str, tmp_path: Path, plugin_path: Path, api: RecordingAPI, **kw: Any
) -> ScheduleEnv:
    engine = create_engine(url)
    upgrade(engine)
    schema = kw.get("dbos_schema", "dbos")
    prepare_dbos(url, schema)
    key_file = tmp_path / "canonry.keys"
    keyring = LocalKeyring.from_env({"CANONRY_KEY_FILE": str(key_file)}, create=True)
    store = LocalCredentialStore(engine, keyring, create_table=False)
    registry = Registry(url, tenant=TENANT, credentials=store, adapters={"fake": FakeAdapter})
    connection = registry.add_connection(
        "shop", "fake", config={"base_url": api.url, "page_size": 100},
        credentials={"api_key": API_KEY},
    )  # fmt: skip
    return ScheduleEnv(url, engine, registry, api, connection.id, key_file, plugin_path, schema)


def _close(env: ScheduleEnv) -> None:
    for runtime in env.runtimes:
        runtime.shutdown(timeout=0)
    env.registry.close()
    env.engine.dispose()


@pytest.fixture
def api() -> Iterator[RecordingAPI]:
    found = RecordingAPI(total=250)
    yield found
    found.gate.set()
    found.close()


@pytest.fixture
def sqlite_env(tmp_path: Path, api: RecordingAPI, plugin_path: Path) -> Iterator[ScheduleEnv]:
    env = make_env(f"sqlite:///{tmp_path / 'canonry.db'}", tmp_path, plugin_path, api)
    yield env
    _close(env)


@pytest.fixture
def pg_env(
    postgres_url: str, tmp_path: Path, api: RecordingAPI, plugin_path: Path
) -> Iterator[ScheduleEnv]:
    schema = f"dbos_{uuid.uuid4().hex[:10]}"
    env = make_env(postgres_url, tmp_path, plugin_path, api, dbos_schema=schema)
    yield env
    _close(env)
    admin = create_engine(postgres_url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def start_worker(
    processes: Processes, env: ScheduleEnv, executor_id: str, log: Path, **extra: str
) -> subprocess.Popen[bytes]:
    """``canonry worker`` as a subprocess (its output appended to ``log``)."""
    command = [sys.executable, "-m", "registry.cli", "worker", "--executor-id", executor_id,
               "--grace", "5"]  # fmt: skip
    with log.open("ab") as out:
        return processes.start(
            command, env=env.worker_env(**extra), cwd=REPO, stdout=out, stderr=out
        )
