"""A wrong CANONRY_VAULT_MOUNT or VAULT_NAMESPACE is a configuration error everywhere: the CLI
exits 2 and the webhook endpoint answers 503 (retry later), never "nothing stored" or
401 ``no_secret`` (issue 15). Against the real OpenBao server."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from prometheus_client import CollectorRegistry
from typer.testing import CliRunner

from registry import Registry, create_engine, upgrade
from registry.cli import app as cli
from tests.fakes.openbao import ROOT_TOKEN, VaultTarget
from tests.webhooks.conftest import ADAPTERS, RecordingEnqueue
from vault import HashiCorpStore
from webhooks import WebhookSettings, create_app


@pytest.fixture
def database(target: VaultTarget, tmp_path: Path) -> Iterator[tuple[str, sa.Engine, str]]:
    """A Stripe connection whose signing secret is stored in Vault (the right mount)."""
    url = f"sqlite:///{tmp_path / 'canonry.db'}"
    engine = create_engine(url)
    upgrade(engine)
    store = HashiCorpStore(target.settings())
    with Registry(url, tenant="acme", adapters=ADAPTERS, credentials=store) as registry:
        secrets = {"api_key": "sk_test_misconfig_1f", "webhook_secret": "whsec_misconfig_2e"}
        conn_id = registry.add_connection("billing", "stripe", credentials=secrets).id
    yield url, engine, conn_id
    engine.dispose()


def _post(target: VaultTarget, database: tuple[str, sa.Engine, str], **settings: str) -> int:
    url, engine, conn_id = database
    store = HashiCorpStore(target.settings(**settings))
    app = create_app(
        WebhookSettings(database_url=url),
        engine=engine,
        enqueue=RecordingEnqueue(),
        credentials=store,
        adapters=ADAPTERS,
        metrics_registry=CollectorRegistry(),
    )

    async def post() -> int:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            response = await client.post(
                f"/webhooks/{conn_id}", content=b"{}", headers={"Stripe-Signature": "t=1,v1=00"}
            )
        return response.status_code

    try:
        return asyncio.run(post())
    finally:
        app.state.writer.close()


def test_endpoint_answers_503_for_a_wrong_mount_and_401_for_a_bad_signature(
    target: VaultTarget, database: tuple[str, sa.Engine, str]
) -> None:
    assert _post(target, database) == 401  # right mount: the secret was read, the signature is bad
    assert _post(target, database, mount="no-such-mount") == 503


def test_endpoint_answers_503_for_a_wrong_namespace(
    target: VaultTarget, database: tuple[str, sa.Engine, str]
) -> None:
    assert _post(target, database, namespace="no-such-namespace") == 503


@pytest.mark.parametrize(
    ("variable", "value"),
    [("CANONRY_VAULT_MOUNT", "no-such-mount"), ("VAULT_NAMESPACE", "no-such-namespace")],
)
def test_cli_exits_2_for_a_wrong_mount_or_namespace(
    target: VaultTarget,
    database: tuple[str, sa.Engine, str],
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str,
) -> None:
    url = database[0]
    env = {
        "CANONRY_DATABASE_URL": url,
        "CANONRY_TENANT": "acme",
        "CANONRY_VAULT": "hashicorp",
        "VAULT_ADDR": target.addr,
        "VAULT_TOKEN": ROOT_TOKEN,
        "CANONRY_VAULT_PREFIX": target.prefix,
        variable: value,
    }
    for key, val in env.items():
        monkeypatch.setenv(key, val)
    result = CliRunner().invoke(
        cli, ["credentials", "set", "billing", "--stdin"], input='{"api_key": "sk_test_x"}'
    )
    assert result.exit_code == 2, result.stderr
    assert variable in result.stderr
    assert "sk_test_x" not in result.stdout + result.stderr
