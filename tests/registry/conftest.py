"""Registry fixtures: a migrated database, a real local credential store, the fake API."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from registry import Registry, create_engine, upgrade
from tests.registry.fake_adapter import FakeAdapter, FakeAPI
from vault import LocalCredentialStore, LocalKeyring

REPO = Path(__file__).resolve().parents[2]
API_KEY = "sk_test_registry_4f1c9e"  # the secret the tests hunt for in outputs

MakeRegistry = Callable[..., Registry]


def migrate(url: str) -> str:
    engine = create_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return migrate(f"sqlite:///{tmp_path / 'canonry.db'}")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return migrate(f"sqlite:///{tmp_path / 'canonry.db'}")
    url: str = request.getfixturevalue("postgres_url")
    return migrate(url)


@pytest.fixture
def fake_api() -> Iterator[FakeAPI]:
    api = FakeAPI(total=250)
    yield api
    api.close()


@pytest.fixture
def make_registry(database_url: str) -> Iterator[MakeRegistry]:
    keyring = LocalKeyring.generate()
    opened: list[Registry] = []
    engines = []

    def make(tenant: str = "acme", **kwargs: object) -> Registry:
        engine = create_engine(database_url)
        engines.append(engine)
        kwargs.setdefault("credentials", LocalCredentialStore(engine, keyring, create_table=False))
        kwargs.setdefault("adapters", {"fake": FakeAdapter})
        registry = Registry(database_url, tenant=tenant, **kwargs)
        opened.append(registry)
        return registry

    yield make
    for registry in opened:
        registry.close()
    for engine in engines:
        engine.dispose()


@pytest.fixture
def registry(make_registry: MakeRegistry) -> Registry:
    return make_registry()


def make_plugin_path(root: Path) -> Path:
    """A directory whose dist-info registers the fake adapter in ``canonry.adapters``."""
    info = root / "canonry_fake_adapter-1.2.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: canonry-fake-adapter\nVersion: 1.2.3\n"
    )
    (info / "entry_points.txt").write_text(
        "[canonry.adapters]\nfake = tests.registry.fake_adapter:FakeAdapter\n"
    )
    return root


@pytest.fixture
def plugin_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory whose dist-info registers the fake adapter in ``canonry.adapters``."""
    return make_plugin_path(tmp_path_factory.mktemp("plugin"))


def cli_variables(folder: Path) -> dict[str, str]:
    """The CLI's environment for a database and key file in ``folder`` (tenant acme)."""
    return {
        "CANONRY_DATABASE_URL": f"sqlite:///{folder / 'canonry.db'}",
        "CANONRY_KEY_FILE": str(folder / "canonry.keys"),
        "CANONRY_TENANT": "acme",
        "CANONRY_VAULT": "local",
        "CANONRY_PLUGINS": "",
    }


def _cli_environment(
    folder: Path, plugin_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, str]]:
    from plugins import load_adapters

    for key, value in cli_variables(folder).items():
        monkeypatch.setenv(key, value)
    for key in ("CANONRY_MASTER_KEYS", "CANONRY_VAULT_TRANSIT"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.syspath_prepend(str(plugin_path))
    load_adapters(refresh=True)
    full = dict(os.environ)
    full["PYTHONPATH"] = os.pathsep.join([str(plugin_path), str(REPO)])
    yield full
    if str(plugin_path) in sys.path:
        sys.path.remove(str(plugin_path))
    load_adapters(refresh=True)


@pytest.fixture
def bare_cli_env(
    tmp_path: Path, plugin_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, str]]:
    """Environment for the CLI, in-process (monkeypatched) and for subprocesses; the
    database (tmp_path/canonry.db) does not exist yet."""
    yield from _cli_environment(tmp_path, plugin_path, monkeypatch)


@pytest.fixture
def cli_env(
    tmp_path: Path, sqlite_url: str, plugin_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, str]]:
    """``bare_cli_env`` with its database migrated (``sqlite_url``)."""
    assert sqlite_url == cli_variables(tmp_path)["CANONRY_DATABASE_URL"]
    yield from _cli_environment(tmp_path, plugin_path, monkeypatch)


@pytest.fixture
def initialised(cli_env: dict[str, str]) -> dict[str, str]:
    """``canonry init`` has run on the CLI's database."""
    from tests.registry.cli import canonry

    code, out, _ = canonry("init")
    assert code == 0, out
    return cli_env


@pytest.fixture
def billing(initialised: dict[str, str], fake_api: FakeAPI) -> str:
    """A connection ``billing`` to the fake API, with its credentials."""
    import json

    from tests.registry.cli import canonry

    config = json.dumps({"base_url": fake_api.url, "page_size": 100})
    code, out, err = canonry(
        "connections", "add", "billing", "--adapter", "fake", "--config", config,
        "--credentials-stdin", input=json.dumps({"api_key": API_KEY}),
    )  # fmt: skip
    assert code == 0, err
    assert "added connection billing (fake)" in out
    return "billing"
