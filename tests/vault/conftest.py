"""Fixtures for the vault tests: a SQLite file, keyrings, a local store, and the real OpenBao
server (one per session) with a fresh corner of it per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.fakes.openbao import OpenBao, VaultTarget
from vault import LocalCredentialStore, LocalKeyring, init_local_keyring, make_engine

SECRETS = {
    "api_key": "sk_test_4eC39HqLyjWDarjtT1zdp7dc-CANARY",
    "webhook_secret": "whsec_s3cr3t-CANARY-\u00e9\u6f22",
}
"""Test secrets; the hygiene test asserts none of these is ever logged or printed."""


@pytest.fixture(scope="session")
def openbao(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenBao]:
    """A real OpenBao dev server for the whole session, stopped whatever happens."""
    server = OpenBao(tmp_path_factory.mktemp("openbao"))
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture
def target(openbao: OpenBao) -> Iterator[VaultTarget]:
    """This test's KV prefix and Transit key on the shared server (left sealed: unsealed)."""
    yield VaultTarget(openbao)
    if not openbao.healthy():
        openbao.unseal()


@pytest.fixture
def vault_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'canonry.db'}")
    yield engine
    engine.dispose()


@pytest.fixture
def mem_keyring() -> LocalKeyring:
    return LocalKeyring.generate()


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path, created = init_local_keyring(tmp_path / "canonry.keys")
    assert created
    return path


@pytest.fixture
def local_store(vault_engine: Engine, mem_keyring: LocalKeyring) -> LocalCredentialStore:
    return LocalCredentialStore(vault_engine, mem_keyring)


def raw_row(engine: Engine, tenant: str, connection: str) -> dict[str, object]:
    """The stored row as a dict (ciphertexts as bytes)."""
    with engine.connect() as conn:
        row = conn.execute(
            sa.text("select * from canonry_credentials where tenant = :t and connection = :c"),
            {"t": tenant, "c": connection},
        ).mappings()
        found = row.one()
    return dict(found)


def update_row(engine: Engine, tenant: str, connection: str, **values: object) -> None:
    sets = ", ".join(f"{name} = :{name}" for name in values)
    with engine.begin() as conn:
        conn.execute(
            sa.text(f"update canonry_credentials set {sets} where tenant = :t and connection = :c"),
            {"t": tenant, "c": connection, **values},
        )


def flip_bit(blob: bytes, index: int, bit: int = 0) -> bytes:
    data = bytearray(blob)
    data[index] ^= 1 << bit
    return bytes(data)
