"""Registry.sync: checkpoints, resume, full resync, mapping failures, re-authorisation."""

from __future__ import annotations

import itertools

import httpx
import pytest

from canonical import (
    ConfigurationError,
    ConflictError,
    Customer,
    MappingError,
    NotFoundInRegistry,
    ReauthorizationRequired,
)
from registry import Connection, ConnectionStatus, Registry, RunStatus, SyncProgress
from tests.registry.conftest import API_KEY, MakeRegistry
from tests.registry.fake_adapter import FakeAPI


@pytest.fixture
def conn(registry: Registry, fake_api: FakeAPI) -> str:
    config = {"base_url": fake_api.url, "page_size": 50}
    return registry.add_connection("billing", "fake", config, {"api_key": API_KEY}).id


def ids(objects: list[Customer]) -> list[int]:
    return [int(o.remote_id.removeprefix("cus_")) for o in objects]


def test_sync_streams_canonical_objects_and_checkpoints(
    registry: Registry, conn: str, fake_api: FakeAPI
) -> None:
    seen: list[SyncProgress] = []
    objects = list(registry.sync(conn, "customers", progress=seen.append))
    assert ids(objects) == list(range(250))
    first = objects[0]
    assert isinstance(first, Customer)
    assert (first.name, str(first.email)) == ("Customer 0", "customer0@example.com")
    assert first.source.connection_id == conn
    assert first.source.adapter == "fake"
    assert [(p.pages, p.records) for p in seen[:2]] == [(1, 50), (2, 100)]
    assert seen[-1].done
    assert seen[-1].records == 250
    state = registry.sync_state(conn, "customers")
    assert state is not None
    assert (state.cursor, state.records_synced, state.last_status) == (
        {"offset": 250},
        250,
        RunStatus.SUCCEEDED,
    )
    [run] = registry.sync_runs(conn)
    assert (run.status, run.pages, run.records, run.finished_at is not None) == (
        RunStatus.SUCCEEDED,
        5,
        250,
        True,
    )


def test_incremental_then_full_resync(registry: Registry, conn: str, fake_api: FakeAPI) -> None:
    assert len(list(registry.sync(conn, "customers"))) == 250
    assert list(registry.sync(conn, "customers")) == []
    fake_api.total = 280
    assert ids(list(registry.sync(conn, "customers"))) == list(range(250, 280))
    assert ids(list(registry.sync(conn, "customers", full=True))) == list(range(280))
    state = registry.sync_state(conn, "customers")
    assert state is not None
    assert state.records_synced == 280
    assert next(r.full for r in registry.sync_runs(conn)) is True


def test_stopping_mid_page_resumes_at_that_page_without_skipping(
    registry: Registry, conn: str
) -> None:
    stream = registry.sync(conn, "customers")
    taken = list(itertools.islice(stream, 120))
    stream.close()  # the consumer stops in the third page (records 100..149)
    assert registry.sync_runs(conn)[0].status is RunStatus.CANCELLED
    state = registry.sync_state(conn, "customers")
    assert state is not None
    assert state.cursor == {"offset": 100}
    rest = list(registry.sync(conn, "customers"))
    assert ids(rest) == list(range(100, 250))
    assert set(ids(taken)) | set(ids(rest)) == set(range(250))


def test_mapping_error_fails_the_run_without_checkpointing_past_it(
    registry: Registry, conn: str, fake_api: FakeAPI
) -> None:
    fake_api.bad_record = 130
    delivered: list[Customer] = []
    with pytest.raises(MappingError) as caught:
        delivered.extend(registry.sync(conn, "customers"))
    assert caught.value.rule == "remote_id"
    assert ids(delivered) == list(range(100))
    state = registry.sync_state(conn, "customers")
    assert state is not None
    assert state.cursor == {"offset": 100}
    run = registry.sync_runs(conn)[0]
    assert run.status is RunStatus.FAILED
    assert run.error
    assert "MappingError" in run.error
    fake_api.bad_record = None
    assert ids(list(registry.sync(conn, "customers"))) == list(range(100, 250))


def test_active_mapping_version_overrides_the_default(registry: Registry, conn: str) -> None:
    override = "rules:\n  name: email\n  description:\n    const: imported\n"
    registry.add_mapping_version(conn, "Customer", override)
    draft = next(iter(registry.sync(conn, "customers", full=True)))
    assert draft.name == "Customer 0"  # a draft does not apply
    registry.set_mapping_status(conn, "Customer", 1, "active")
    active = next(iter(registry.sync(conn, "customers", full=True)))
    assert (active.name, active.description) == ("customer0@example.com", "imported")
    registry.add_mapping_version(conn, "Customer", "rules:\n  description:\n    const: v2\n")
    registry.set_mapping_status(conn, "Customer", 2, "active")
    versions = registry.list_mapping_versions(conn, "Customer")
    assert [(v.version, v.status.value) for v in versions] == [(1, "retired"), (2, "active")]
    latest = next(iter(registry.sync(conn, "customers", full=True)))
    assert (latest.name, latest.description) == ("Customer 0", "v2")


def test_revoked_token_marks_the_connection_needs_reauth(registry: Registry, conn: str) -> None:
    registry.set_credentials(conn, {"api_key": "revoked"})
    with pytest.raises(ReauthorizationRequired):
        list(registry.sync(conn, "customers"))
    assert registry.get_connection(conn).status is ConnectionStatus.NEEDS_REAUTH
    assert registry.sync_runs(conn)[0].status is RunStatus.FAILED
    restored = registry.set_credentials(conn, {"api_key": API_KEY})
    assert restored.status is ConnectionStatus.ACTIVE
    assert len(list(registry.sync(conn, "customers"))) == 250


def test_check_and_disabled_connection(registry: Registry, conn: str) -> None:
    result = registry.test_connection(conn)
    assert result.ok
    assert "acct_fake" in result.message
    registry.set_credentials(conn, {"api_key": "wrong"})
    assert not registry.test_connection(conn).ok
    registry.update_connection(conn, status="disabled")
    with pytest.raises(ConfigurationError, match="is disabled"):
        registry.sync(conn, "customers")
    registry.update_connection(conn, status="active")
    with pytest.raises(ConfigurationError, match="no stream 'orders'"):
        registry.sync(conn, "orders")


def test_a_second_run_takes_over_and_the_first_cannot_checkpoint(
    registry: Registry, conn: str
) -> None:
    first = registry.sync(conn, "customers")
    next(first)
    second = registry.sync(conn, "customers")
    next(second)
    with pytest.raises(ConflictError, match="took over"):
        list(first)
    assert len(list(second)) == 249
    statuses = sorted(r.status.value for r in registry.sync_runs(conn))
    assert statuses == ["interrupted", "succeeded"]


def test_http_factory_clients_are_used_and_closed(
    make_registry: MakeRegistry, fake_api: FakeAPI
) -> None:
    made: list[httpx.Client] = []

    def factory(connection: Connection) -> httpx.Client:
        client = httpx.Client(headers={"X-Connection": connection.name})
        made.append(client)
        return client

    registry = make_registry(http_factory=factory)
    config = {"base_url": fake_api.url, "page_size": 100}
    registry.add_connection("billing", "fake", config, {"api_key": API_KEY})
    assert registry.test_connection("billing").ok
    assert len(list(registry.sync("billing", "customers"))) == 250
    assert len(made) == 2
    assert all(client.is_closed for client in made)


def test_mapping_versions_are_checked_before_they_are_stored(registry: Registry, conn: str) -> None:
    with pytest.raises(ConfigurationError, match="produces no 'Invoice' objects"):
        registry.add_mapping_version(conn, "Invoice", "rules: {}")
    with pytest.raises(MappingError):
        registry.add_mapping_version(conn, "Customer", "rules: [not, a, mapping]")
    with pytest.raises(MappingError):
        registry.add_mapping_version(conn, "Customer", "rules: {name: 1}\nbogus: 2\n")
    assert registry.list_mapping_versions(conn) == []
    stored = registry.add_mapping_version(
        conn, "Customer", "rules: {name: email}", created_by="llm"
    )
    assert (stored.version, stored.status.value, stored.created_by) == (1, "draft", "llm")


def test_adapter_for_and_mapper_for_give_callers_the_connections_active_mapping(
    registry: Registry, conn: str
) -> None:
    record = {"id": "cus_7", "name": "Ada", "email": "ada@example.com"}
    adapter = registry.adapter_for(conn)
    try:
        default = registry.mapper_for(adapter, "customers")(record)
        registry.add_mapping_version(conn, "Customer", "rules:\n  description:\n    const: x\n")
        registry.set_mapping_status(conn, "Customer", 1, "active")
        active = registry.mapper_for(adapter, "customers")(record)
    finally:
        registry.release_adapter(adapter)
    assert isinstance(default, Customer)
    assert isinstance(active, Customer)
    assert (default.remote_id, default.description) == ("cus_7", None)
    assert active.description == "x"
    with pytest.raises(NotFoundInRegistry, match="no connection with id 'billing'"):
        registry.adapter_for("billing")  # a name is not an id
