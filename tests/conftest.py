"""Fixtures shared by every test package: vendor objects and the local PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from plugins.fakes import vendor_fixture

pytest_plugins = ("tests.harness.plugin", "pytester")

# No per-example deadline anywhere: on a loaded machine an example may take any time, and a
# deadline would fail it (or call it Flaky) for the machine's speed, not for its result.
settings.register_profile("canonry", deadline=None, print_blob=True)
settings.load_profile("canonry")

REPO = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get(
    "CANONRY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def load_vendor_fixture(vendor: str, name: str) -> dict[str, Any]:
    """A fresh copy of a real vendor object kept in the repository (``plugins/fakes/fixtures``)."""
    return vendor_fixture(vendor, name)


@pytest.fixture
def stripe_fixture() -> Any:
    return lambda name: load_vendor_fixture("stripe", name)


def _postgres_available() -> str | None:
    try:
        import sqlalchemy as sa

        engine = sa.create_engine(POSTGRES_URL)
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        engine.dispose()
    except Exception as exc:  # any failure means: not reachable here
        return f"PostgreSQL not reachable at {POSTGRES_URL}: {type(exc).__name__}"
    return None


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty schema on the local PostgreSQL, dropped afterwards."""
    reason = _postgres_available()
    if reason:
        pytest.skip(reason)
    import sqlalchemy as sa

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'create schema "{schema}"'))
    sep = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'drop schema "{schema}" cascade'))
        admin.dispose()


LOOPBACK_VENDOR_URLS = "http://127.0.0.1:*"
"""What the tests allow as vendor base URLs: the loopback fakes, through the operator's
setting (``CANONRY_VENDOR_BASE_URLS``) as any deployment would; tests of the refusal unset it."""


@pytest.fixture(autouse=True)
def _vendor_base_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    """Set in ``os.environ``: subprocesses built from it (the CLI, serve, workers) inherit it."""
    monkeypatch.setenv("CANONRY_VENDOR_BASE_URLS", LOOPBACK_VENDOR_URLS)


@pytest.fixture(autouse=True)
def _logging_as_it_was() -> Iterator[None]:
    """In-process ``canonry serve``/``worker`` calls configure the process's logging (root
    handlers and level, DBOS's logger); put it back, so no later test's output carries them."""
    import logging

    loggers = [logging.getLogger(), logging.getLogger("dbos")]
    saved = [(lg, list(lg.handlers), lg.level, lg.propagate) for lg in loggers]
    yield
    for logger, handlers, level, propagate in saved:
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate = propagate
