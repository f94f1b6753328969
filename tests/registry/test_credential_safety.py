"""Issue 15 items 4-6 through the Registry and the CLI: tenant-bound credential access,
credential rollback refused unless restored explicitly, empty secrets refused."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from canonical import ConfigurationError, NotFoundInRegistry, ValidationFailed
from registry import Registry
from registry.cli import app
from tests.registry.conftest import API_KEY, MakeRegistry
from vault import CredentialRollbackError

CONFIG = {"base_url": "http://127.0.0.1:9", "page_size": 50}
runner = CliRunner()


def _canonry(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=input)
    assert API_KEY not in result.stdout + result.stderr, "a secret was printed"
    return result.exit_code, result.stdout, result.stderr


# -- item 5: everything reachable from a tenant-bound Registry stays in its tenant ------------


def test_a_registrys_credential_store_cannot_read_another_tenant(
    make_registry: MakeRegistry,
) -> None:
    acme, globex = make_registry("acme"), make_registry("globex")
    theirs = globex.add_connection("billing", "fake", CONFIG, {"api_key": API_KEY})
    assert globex.credential_store.get("globex", theirs.id)["api_key"].get_secret_value()

    with pytest.raises(NotFoundInRegistry) as info:
        acme.credential_store.get("globex", theirs.id)
    assert API_KEY not in str(info.value)
    with pytest.raises(NotFoundInRegistry):
        acme.credential_store.get_with_ref("globex", theirs.id)
    with pytest.raises(NotFoundInRegistry):
        acme.credential_store.delete("globex", theirs.id)
    with pytest.raises(NotFoundInRegistry):
        acme.credential_store.accept_restored("globex", theirs.id)
    with pytest.raises(ConfigurationError, match="bound to tenant 'acme'"):
        acme.credential_store.put("globex", theirs.id, {"api_key": "sk_evil"})
    assert acme.credential_store.list() == []
    assert acme.credential_store.list("globex") == []
    # globex's credential is untouched
    assert globex.credential_store.get("globex", theirs.id)["api_key"].get_secret_value() == API_KEY
    assert [r.tenant for r in globex.credential_store.list()] == ["globex"]


# -- item 4: rollback refused through the Registry; `credentials restore` accepts it ----------


def _backup(registry: Registry, connection_id: str) -> dict[str, object]:
    with registry.engine.connect() as conn:
        row = conn.execute(
            sa.text("select * from canonry_credentials where connection = :c"), {"c": connection_id}
        ).mappings()
        return dict(row.one())


def _restore(registry: Registry, backup: dict[str, object]) -> None:
    columns = [c for c in backup if c not in ("id", "tenant", "connection", "created_at")]
    sets = ", ".join(f"{c} = :{c}" for c in columns)
    with registry.engine.begin() as conn:
        conn.execute(
            sa.text(f"update canonry_credentials set {sets} where id = :id"),
            {**{c: backup[c] for c in columns}, "id": backup["id"]},
        )


def test_a_restored_old_credential_is_refused_until_restored_explicitly(
    registry: Registry,
) -> None:
    conn = registry.add_connection("billing", "fake", CONFIG, {"api_key": "sk_revoked"})
    backup = _backup(registry, conn.id)
    registry.set_credentials("billing", {"api_key": API_KEY})
    _restore(registry, backup)

    with pytest.raises(CredentialRollbackError):
        registry.adapter_for(conn.id)
    with pytest.raises(CredentialRollbackError):
        registry.rotate_credentials("billing", {"api_key": "sk_next"})

    restored = registry.restore_credentials("billing")
    assert restored.credential_ref == f"local:acme/{conn.id}@v3"
    adapter = registry.adapter_for(conn.id)
    try:
        assert adapter.credentials.api_key.get_secret_value() == "sk_revoked"
    finally:
        registry.release_adapter(adapter)
    entry = registry.audit_log()[0]
    assert (entry.action, entry.details["version"]) == ("credentials.restore", 3)


def test_cli_credentials_restore(initialised_with_billing: str) -> None:
    code, out, err = _canonry("credentials", "restore", initialised_with_billing)
    assert code == 0, err
    assert "accepted as restored, now local:acme/" in out
    code, _, err = _canonry("credentials", "restore", "nobody")
    assert code == 3, err


# -- item 6: empty secrets are refused with a clear error -------------------------------------


@pytest.mark.parametrize("value", ["", "   "])
def test_empty_secrets_are_refused(registry: Registry, value: str) -> None:
    with pytest.raises(ValidationFailed, match="'api_key' is empty"):
        registry.add_connection("billing", "fake", CONFIG, {"api_key": value})
    assert registry.list_connections() == []
    registry.add_connection("billing", "fake", CONFIG, {"api_key": API_KEY})
    with pytest.raises(ValidationFailed, match="'api_key' is empty"):
        registry.set_credentials("billing", {"api_key": value})
    assert registry.get_connection("billing").credential_ref is not None
    assert registry.credential_store.list()[0].version == 1  # nothing was written


def test_cli_credentials_set_refuses_an_empty_api_key(initialised_with_billing: str) -> None:
    code, out, err = _canonry(
        "credentials", "set", initialised_with_billing, "--stdin", input='{"api_key": ""}'
    )
    assert code == 2
    assert "'api_key' is empty" in err
    assert "stored" not in out


@pytest.fixture
def initialised_with_billing(cli_env: dict[str, str]) -> str:
    from tests.registry.fake_adapter import FakeAPI

    code, out, _ = _canonry("init")
    assert code == 0, out
    api = FakeAPI(total=1)
    try:
        config = json.dumps({"base_url": api.url, "page_size": 100})
        code, _, err = _canonry(
            "connections", "add", "billing", "--adapter", "fake", "--config", config,
            "--credentials-stdin", input=json.dumps({"api_key": API_KEY}),
        )  # fmt: skip
    finally:
        api.close()
    assert code == 0, err
    return "billing"
