"""The OAuth refresh race: concurrent refreshers, one expired token, a rotating provider.

Afterwards exactly one refresh reached the token endpoint, every refresher got the same
access token, and the stored refresh token still works (a further refresh succeeds).
Threads share one process; the process tests run two spawned interpreters that share only
the database (lock + LocalCredentialStore) and the loopback servers.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy.engine import Engine

from tests.fakes.oauth_server import CLIENT_ID, CLIENT_SECRET, FakeOAuthServer
from tests.fakes.openbao import VaultTarget
from tests.harness import Processes
from vault import (
    ConnectionLock,
    CredentialStore,
    HashiCorpStore,
    LocalCredentialStore,
    LocalKeyring,
    OAuthRefresher,
    OAuthToken,
    SqlConnectionLock,
    ThreadConnectionLock,
    init_local_keyring,
    load_token,
    make_engine,
    save_token,
)

TENANT, CONNECTION = "acme", "hubspot-race"
WORKERS = 4


@pytest.fixture
def provider() -> Iterator[FakeOAuthServer]:
    with FakeOAuthServer(delay=0.2) as server:  # holds each refresh open so workers overlap
        yield server


def seed_expired(store: CredentialStore, provider: FakeOAuthServer) -> OAuthToken:
    access, refresh = provider.issue()
    token = OAuthToken(
        access_token=SecretStr(access),
        refresh_token=SecretStr(refresh),
        expires_at=datetime.now(UTC) - timedelta(minutes=1),
    )
    save_token(store, TENANT, CONNECTION, token)
    return token


def new_refresher(
    store: CredentialStore, lock: ConnectionLock, token_url: str, http: httpx.Client
) -> OAuthRefresher:
    return OAuthRefresher(
        store,
        TENANT,
        CONNECTION,
        token_url,
        CLIENT_ID,
        SecretStr(CLIENT_SECRET),
        lock=lock,
        http=http,
    )


def assert_one_refresh_and_token_still_works(
    store: CredentialStore,
    provider: FakeOAuthServer,
    results: list[str],
    http: httpx.Client,
    workers: int = WORKERS,
) -> None:
    assert provider.refresh_hits == 1
    assert len(results) == workers
    assert len(set(results)) == 1
    stored, _ = load_token(store, TENANT, CONNECTION)
    assert stored.access_token.get_secret_value() == results[0]
    assert stored.refresh_token.get_secret_value() in provider.live_refresh
    # The persisted (rotated) refresh token works: one more refresh succeeds.
    again = new_refresher(store, ThreadConnectionLock(), provider.token_url, http)
    renewed = again.refresh(stale=stored.access_token)
    assert provider.refresh_hits == 2
    assert renewed.access_token != stored.access_token


def race_threads(make: Callable[[], OAuthRefresher]) -> list[str]:
    barrier = threading.Barrier(WORKERS)
    results: list[str] = []
    failures: list[BaseException] = []

    def work() -> None:
        refresher = make()
        barrier.wait()
        try:
            results.append(refresher.access_token().get_secret_value())
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=work) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    return results


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'race.db'}")
    yield engine
    engine.dispose()


@pytest.mark.parametrize("lock_kind", ["thread", "sqlite"])
def test_threads_on_the_local_store(
    lock_kind: str, sqlite_engine: Engine, provider: FakeOAuthServer
) -> None:
    store = LocalCredentialStore(sqlite_engine, LocalKeyring.generate())
    seed_expired(store, provider)
    with httpx.Client(timeout=10) as http:

        def make() -> OAuthRefresher:
            lock: ConnectionLock = (
                ThreadConnectionLock()
                if lock_kind == "thread"
                else SqlConnectionLock(sqlite_engine)
            )
            return new_refresher(store, lock, provider.token_url, http)

        results = race_threads(make)
        assert_one_refresh_and_token_still_works(store, provider, results, http)


def test_threads_on_hashicorp_with_a_postgres_lock(
    postgres_url: str, target: VaultTarget, provider: FakeOAuthServer
) -> None:
    store = HashiCorpStore(target.settings())  # the real OpenBao server's KV v2
    seed_expired(store, provider)
    engine = make_engine(postgres_url)
    try:
        with httpx.Client(timeout=10) as http:
            results = race_threads(
                lambda: new_refresher(store, SqlConnectionLock(engine), provider.token_url, http)
            )
            assert_one_refresh_and_token_still_works(store, provider, results, http)
    finally:
        engine.dispose()


def _process_worker(db_url: str, key_file: str, token_url: str, barrier, queue) -> None:
    engine = make_engine(db_url)
    store = LocalCredentialStore(engine, LocalKeyring.load(Path(key_file)))
    with httpx.Client(timeout=10) as http:
        refresher = new_refresher(store, SqlConnectionLock(engine), token_url, http)
        barrier.wait(timeout=60)
        try:
            queue.put(("ok", refresher.access_token().get_secret_value()))
        except Exception as exc:
            queue.put(("error", f"{type(exc).__name__}: {exc}"))
    engine.dispose()


def race_processes(db_url: str, key_file: Path, token_url: str, processes: Processes) -> list[str]:
    ctx = multiprocessing.get_context("spawn")
    barrier, queue = ctx.Barrier(2), ctx.Queue()
    procs = [
        ctx.Process(target=_process_worker, args=(db_url, str(key_file), token_url, barrier, queue))
        for _ in range(2)
    ]
    for proc in procs:
        proc.start()
        processes.adopt(proc)  # killed in teardown if the race never finishes
    outcomes = [queue.get(timeout=120) for _ in procs]
    for proc in procs:
        proc.join(timeout=30)
        assert proc.exitcode == 0
    assert all(kind == "ok" for kind, _ in outcomes), outcomes
    return [value for _, value in outcomes]


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_two_processes_share_one_lock_and_store(
    backend: str,
    tmp_path: Path,
    provider: FakeOAuthServer,
    request: pytest.FixtureRequest,
    processes: Processes,
) -> None:
    db_url = (
        f"sqlite:///{tmp_path / 'race.db'}"
        if backend == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    key_file, _ = init_local_keyring(tmp_path / "canonry.keys")
    engine = make_engine(db_url)
    try:
        store = LocalCredentialStore(engine, LocalKeyring.load(key_file))
        seed_expired(store, provider)
        results = race_processes(db_url, key_file, provider.token_url, processes)
        with httpx.Client(timeout=10) as http:
            assert_one_refresh_and_token_still_works(store, provider, results, http, 2)
    finally:
        engine.dispose()
