"""The SQL engine: SQLite (WAL, busy timeout, foreign keys) by default, PostgreSQL by URL."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, OperationalError

from canonical import CanonryError, ConfigurationError
from registry._database import create_sqlite_file, sqlite_path
from vault import ENGINE_LOGGING_NAME, private_sql_logging

__all__ = [
    "DEFAULT_DATABASE_URL",
    "create_engine",
    "database_errors",
    "database_url_from_env",
    "parse_database_url",
]

DEFAULT_DATABASE_URL = "sqlite:///canonry.db"
"""Used when neither an argument nor ``CANONRY_DATABASE_URL`` gives a URL."""

_BUSY_TIMEOUT_MS = 30_000


def database_url_from_env(environ: Mapping[str, str] | None = None) -> str:
    """``CANONRY_DATABASE_URL`` or the default SQLite file in the working directory."""
    env = os.environ if environ is None else environ
    return env.get("CANONRY_DATABASE_URL") or DEFAULT_DATABASE_URL


def parse_database_url(url: str) -> sa.URL:
    """The URL as Canonry uses it (``postgresql://`` means psycopg 3); refuses other drivers."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigurationError(
            "the database URL cannot be parsed",
            hint="use sqlite:///path/to/canonry.db or postgresql+psycopg://user@host/db",
        ) from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if not parsed.drivername.startswith(("sqlite", "postgresql")):
        raise ConfigurationError(
            f"unsupported database {parsed.drivername!r}",
            hint="Canonry runs on SQLite (default) or PostgreSQL (postgresql+psycopg://...)",
        )
    return parsed


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def _file_creator(path: Path) -> Callable[..., None]:
    """Before SQLite opens (and would create) the file: create it with mode 0600 first.
    Returns None, so SQLAlchemy goes on to connect as usual."""

    def create(*_args: Any) -> None:
        create_sqlite_file(path)

    return create


def create_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """An engine for ``url`` (default: from the environment) with Canonry's settings.

    SQLite gets WAL journaling, a 30 s busy timeout and enforced foreign keys on every
    connection, and a database file it creates gets mode 0600 (so do its -wal and -shm
    files); the CLI checks first that the file exists (``require_database``), so only
    ``canonry init`` creates one. ``postgresql://`` URLs use the psycopg 3 driver.
    Statement parameters and result rows (webhook bodies, personal data) never appear in
    SQLAlchemy's logs or error messages, at any log level (``hide_parameters``,
    ``vault.private_sql_logging``).
    """
    kwargs.setdefault("hide_parameters", True)
    kwargs.setdefault("logging_name", ENGINE_LOGGING_NAME)
    parsed = parse_database_url(url or database_url_from_env())
    if parsed.drivername.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": _BUSY_TIMEOUT_MS / 1000})
        engine = sa.create_engine(parsed, **kwargs)
        path = sqlite_path(parsed)
        if path is not None:
            sa.event.listen(engine, "do_connect", _file_creator(path))
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return private_sql_logging(engine)
    kwargs.setdefault("pool_pre_ping", True)
    return private_sql_logging(sa.create_engine(parsed, **kwargs))


def _first_line(exc: Exception) -> str:
    origin = getattr(exc, "orig", None) or exc
    return (str(origin).strip().splitlines() or [type(origin).__name__])[0][:300]


@contextmanager
def database_errors() -> Iterator[None]:
    """Translate SQLAlchemy's errors into Canonry's at the database boundary."""
    try:
        yield
    except IntegrityError as exc:
        raise ConfigurationError(
            f"the change conflicts with stored data: {_first_line(exc)}",
            hint="another writer may have added the same name; re-read and retry",
        ) from exc
    except DBAPIError as exc:
        error = CanonryError(
            f"the database failed: {_first_line(exc)}",
            hint="check CANONRY_DATABASE_URL, that the server runs, the disk is writable and "
            "the schema is migrated (`canonry db upgrade`)",
        )
        error.retryable = isinstance(exc, OperationalError)
        raise error from exc
