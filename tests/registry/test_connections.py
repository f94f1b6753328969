"""Connections CRUD through the SDK, on SQLite and on the local PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from canonical import CanonryError, ConfigurationError, NotFoundInRegistry, ValidationFailed
from registry import ConnectionStatus, Registry
from tests.registry.conftest import API_KEY, MakeRegistry

CONFIG = {"base_url": "http://127.0.0.1:9", "page_size": 50}


def test_add_get_list_update_remove(registry: Registry) -> None:
    added = registry.add_connection("billing", "fake", CONFIG, {"api_key": API_KEY})
    assert added.tenant == "acme"
    assert added.adapter_version == "1.2.3"
    assert added.status is ConnectionStatus.ACTIVE
    assert added.credential_ref == f"local:acme/{added.id}@v1"
    assert registry.get_connection("billing") == added
    assert registry.get_connection(added.id) == added
    assert [c.name for c in registry.list_connections()] == ["billing"]

    updated = registry.update_connection(
        "billing", name="billing-eu", config={**CONFIG, "page_size": 7}, status="disabled"
    )
    assert (updated.name, updated.config["page_size"]) == ("billing-eu", 7)
    assert updated.status is ConnectionStatus.DISABLED
    assert updated.updated_at >= added.updated_at

    registry.remove_connection("billing-eu")
    assert registry.list_connections() == []
    with pytest.raises(NotFoundInRegistry):
        registry.get_connection(added.id)
    with pytest.raises(NotFoundInRegistry):
        registry.credential_store.get("acme", added.id)
    actions = [e.action for e in registry.audit_log()]
    assert actions == ["connection.remove", "connection.update", "connection.add"]


def test_config_is_validated_against_the_adapter_model(registry: Registry) -> None:
    with pytest.raises(ValidationFailed) as caught:
        registry.add_connection("x", "fake", {"base_url": "https://example.com", "bogus": 1})
    message = str(caught.value)
    assert "invalid config for adapter 'fake'" in message
    assert "base_url" in message
    assert "bogus" in message
    assert "canonry adapters show fake" in message
    assert registry.list_connections() == []


def test_credentials_are_validated_without_echoing_them(registry: Registry) -> None:
    with pytest.raises(ValidationFailed) as caught:
        registry.add_connection("x", "fake", CONFIG, {"api_kee": API_KEY})
    assert "api_key" in str(caught.value)
    assert API_KEY not in str(caught.value)
    assert registry.list_connections() == []
    assert registry.credential_store.list("acme") == []


def test_unknown_adapter_and_duplicate_name_are_refused(registry: Registry) -> None:
    with pytest.raises(ConfigurationError, match="no adapter 'nope' is installed"):
        registry.add_connection("x", "nope", {})
    registry.add_connection("x", "fake", CONFIG)
    with pytest.raises(ConfigurationError, match="already exists"):
        registry.add_connection("x", "fake", CONFIG, {"api_key": API_KEY})
    assert len(registry.list_connections()) == 1


def test_secrets_are_stored_encrypted_not_in_clear(registry: Registry, database_url: str) -> None:
    conn = registry.add_connection("billing", "fake", CONFIG, {"api_key": API_KEY})
    engine = sa.create_engine(registry.engine.url)
    with engine.connect() as db:
        dump = repr(db.execute(sa.text("select * from connections")).all())
        dump += repr(db.execute(sa.text("select * from canonry_credentials")).all())
        dump += repr(db.execute(sa.text("select * from audit_log")).all())
    engine.dispose()
    assert conn.id in dump
    assert API_KEY not in dump
    assert API_KEY not in repr(conn)
    assert API_KEY not in repr(registry)


def test_set_and_rotate_credentials_bump_the_version(registry: Registry) -> None:
    registry.add_connection("billing", "fake", CONFIG)
    with pytest.raises(NotFoundInRegistry, match="no credential to rotate"):
        registry.rotate_credentials("billing", {"api_key": "sk_new"})
    first = registry.set_credentials("billing", {"api_key": API_KEY})
    rotated = registry.rotate_credentials("billing", {"api_key": "sk_rotated"})
    assert first.credential_ref
    assert first.credential_ref.endswith("@v1")
    assert rotated.credential_ref
    assert rotated.credential_ref.endswith("@v2")
    secret = registry.credential_store.get("acme", rotated.id)["api_key"]
    assert secret.get_secret_value() == "sk_rotated"
    audit = registry.audit_log(limit=2)
    assert [e.action for e in audit] == ["credentials.rotate", "credentials.set"]
    assert audit[0].details == {"fields": ["api_key"], "version": 2}


def test_tenants_cannot_see_or_touch_each_other(make_registry: MakeRegistry) -> None:
    acme, globex = make_registry("acme"), make_registry("globex")
    conn = acme.add_connection("billing", "fake", CONFIG, {"api_key": API_KEY})
    assert globex.list_connections() == []
    for attempt in (
        lambda: globex.get_connection(conn.id),
        lambda: globex.get_connection("billing"),
        lambda: globex.update_connection(conn.id, config=CONFIG),
        lambda: globex.remove_connection(conn.id),
        lambda: globex.set_credentials(conn.id, {"api_key": "sk_evil"}),
        lambda: globex.test_connection(conn.id),
        lambda: globex.sync(conn.id, "customers"),
        lambda: globex.sync_state(conn.id, "customers"),
        lambda: globex.add_mapping_version(conn.id, "Customer", "rules: {}"),
    ):
        with pytest.raises(NotFoundInRegistry) as caught:
            attempt()
        assert "tenant 'globex'" in str(caught.value)
    assert acme.get_connection(conn.id) == conn
    secret = acme.credential_store.get("acme", conn.id)["api_key"].get_secret_value()
    assert secret == API_KEY
    # the same name is free in another tenant
    assert globex.add_connection("billing", "fake", CONFIG).id != conn.id
    assert globex.audit_log()[0].tenant == "globex"
    assert all(e.tenant == "acme" for e in acme.audit_log())


def test_invalid_tenant_is_refused(make_registry: MakeRegistry) -> None:
    with pytest.raises(ConfigurationError, match="invalid tenant"):
        make_registry("../etc")


def test_unmigrated_database_gives_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="no database at") as caught:
        Registry(f"sqlite:///{tmp_path / 'missing.db'}", tenant="acme", adapters={})
    assert "canonry init" in str(caught.value)
    assert not (tmp_path / "missing.db").exists()  # opening never creates a database
    (tmp_path / "empty.db").touch()
    with pytest.raises(ConfigurationError, match="not initialised") as caught:
        Registry(f"sqlite:///{tmp_path / 'empty.db'}", tenant="acme", adapters={})
    assert "canonry init" in str(caught.value)


def test_database_failures_are_translated(registry: Registry) -> None:
    with registry.engine.begin() as db:
        db.execute(sa.text("drop table audit_log"))
    with pytest.raises(CanonryError, match="the database failed") as caught:
        registry.add_connection("x", "fake", CONFIG)
    assert "audit_log" in str(caught.value)
    assert registry.list_connections() == []  # the failed transaction left nothing behind
