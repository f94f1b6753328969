"""Endpoint fixtures: a migrated database with Stripe, HubSpot and Standard connections.

The enqueue seam records what it is given (and checks it runs inside the inbox
transaction), so these tests need no DBOS; tests/webhooks/jobs covers the job side.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pytest
import sqlalchemy as sa
from prometheus_client import CollectorRegistry
from pydantic import BaseModel, ConfigDict, SecretStr
from starlette.applications import Starlette

from adapters import Adapter, Capability, CheckResult, WebhookSupport
from adapters.hubspot import HubSpotAdapter
from adapters.stripe import StripeAdapter
from registry import Registry, create_engine, upgrade
from vault import LocalCredentialStore, LocalKeyring
from webhooks import InboxItemRef, WebhookSettings, create_app

STRIPE_SECRET = "whsec_test_endpoint_5b7e1f0c9d"
STRIPE_PREVIOUS = "whsec_test_previous_a81c33e2"
HUBSPOT_SECRET = "hubspot-client-secret-77d2e1"
STANDARD_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
API_KEY = "sk_test_webhooks_0c4d9a"
SECRETS = (STRIPE_SECRET, STRIPE_PREVIOUS, HUBSPOT_SECRET, STANDARD_SECRET, API_KEY)


class _GenericCredentials(BaseModel):
    model_config = ConfigDict(extra="forbid")
    webhook_secret: SecretStr | None = None


class GenericAdapter(Adapter):
    """A plugin-style adapter whose vendor signs with Standard Webhooks."""

    key: ClassVar[str] = "generic"
    display_name: ClassVar[str] = "Generic"
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.WEBHOOKS})
    credentials_model: ClassVar[type[BaseModel]] = _GenericCredentials
    webhook_support: ClassVar[WebhookSupport | None] = WebhookSupport(scheme="standard")

    def check(self) -> CheckResult:
        return CheckResult(ok=True, message="ok")

    def read(self, stream: str, cursor: Any = None) -> Any:
        return iter(())


ADAPTERS: dict[str, type[Adapter]] = {
    "stripe": StripeAdapter,
    "hubspot": HubSpotAdapter,
    "generic": GenericAdapter,
}


@dataclass
class RecordingEnqueue:
    """The enqueue seam: records refs; ``fail`` makes it raise (the transaction must roll back)."""

    calls: list[list[InboxItemRef]] = field(default_factory=list)
    fail: bool = False

    def __call__(self, conn: sa.Connection, refs: list[InboxItemRef]) -> None:
        assert conn.in_transaction(), "enqueue must run inside the inbox transaction"
        if self.fail:
            raise sa.exc.OperationalError("enqueue", {}, Exception("database is locked"))
        self.calls.append(list(refs))

    @property
    def refs(self) -> list[InboxItemRef]:
        return [ref for call in self.calls for ref in call]


@dataclass
class Env:
    url: str
    engine: sa.Engine
    store: LocalCredentialStore
    registry: Registry
    stripe: str
    hubspot: str
    generic: str
    enqueue: RecordingEnqueue
    metrics: CollectorRegistry
    apps: list[Starlette] = field(default_factory=list)

    def app(self, **settings: Any) -> Starlette:
        settings.setdefault("database_url", self.url)
        app = create_app(
            WebhookSettings(**settings),
            engine=self.engine,
            enqueue=self.enqueue,
            credentials=self.store,
            adapters=ADAPTERS,
            metrics_registry=self.metrics,
        )
        self.apps.append(app)
        return app

    def close(self) -> None:
        for app in self.apps:
            app.state.writer.close()  # what the app's lifespan does at shutdown

    def inbox_count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sa.text("select count(*) from canonry_webhook_inbox")).scalar())

    def metric(self, name: str, **labels: str) -> float:
        return self.metrics.get_sample_value(name, labels) or 0.0


def make_env(url: str) -> Iterator[Env]:
    """A migrated database at ``url`` with a Stripe, a HubSpot and a Standard connection."""
    engine = create_engine(url)
    upgrade(engine)
    store = LocalCredentialStore(engine, LocalKeyring.generate(), create_table=False)
    registry = Registry(url, tenant="acme", credentials=store, adapters=ADAPTERS)
    stripe = registry.add_connection(
        "billing",
        "stripe",
        credentials={
            "api_key": API_KEY,
            "webhook_secret": STRIPE_SECRET,
            "webhook_secret_previous": STRIPE_PREVIOUS,
        },
    )
    hubspot = registry.add_connection(
        "crm", "hubspot", credentials={"access_token": API_KEY, "client_secret": HUBSPOT_SECRET}
    )
    generic = registry.add_connection(
        "generic", "generic", credentials={"webhook_secret": STANDARD_SECRET}
    )
    env = Env(
        url=url,
        engine=engine,
        store=store,
        registry=registry,
        stripe=stripe.id,
        hubspot=hubspot.id,
        generic=generic.id,
        enqueue=RecordingEnqueue(),
        metrics=CollectorRegistry(),
    )
    yield env
    env.close()
    registry.close()
    engine.dispose()


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    yield from make_env(f"sqlite:///{tmp_path / 'canonry.db'}")


@pytest.fixture
def pg_env(postgres_url: str) -> Iterator[Env]:
    yield from make_env(postgres_url)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
