"""A small engine helper for the vault CLI: ``CANONRY_DATABASE_URL``, WAL on SQLite.

The registry owns the application's engine; this is the vault's stand-alone fallback so
``canonry vault`` works on the same database with the same SQLite settings. Both engine
factories keep data out of SQLAlchemy's logs with :func:`private_sql_logging`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError

from canonical import ConfigurationError

__all__ = [
    "DATABASE_URL_VAR",
    "DEFAULT_DATABASE_URL",
    "ENGINE_LOGGING_NAME",
    "database_url",
    "make_engine",
    "private_sql_logging",
]

DATABASE_URL_VAR = "CANONRY_DATABASE_URL"
DEFAULT_DATABASE_URL = "sqlite:///canonry.db"
_BUSY_TIMEOUT_S = 30
ENGINE_LOGGING_NAME = "canonry"
"""Canonry's engines log as ``sqlalchemy.engine.Engine.canonry`` (a child of SQLAlchemy's
usual logger, so ``sqlalchemy.engine`` settings still apply)."""
_ROW_MESSAGES = frozenset({"Row %r"})


class _HideRows(logging.Filter):
    """Replace the result rows SQLAlchemy logs at DEBUG with a placeholder.

    With ``echo="debug"`` or the ``sqlalchemy.engine`` logger at DEBUG, SQLAlchemy logs
    every fetched row; Canonry's rows hold webhook bodies, personal data and ciphertexts.
    Statements, timings and column names are still logged.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg in _ROW_MESSAGES:
            record.msg, record.args = "Row (values hidden by Canonry)", ()
        return True


_HIDE_ROWS = _HideRows()


def private_sql_logging(engine: Engine) -> Engine:
    """Keep result rows out of the engine's logs at every level; returns ``engine``.

    The engine must have been created with ``logging_name`` (Canonry's factories pass
    :data:`ENGINE_LOGGING_NAME`): the filter sits on that engine's own logger, so engines
    of the host application are left alone. Parameters are hidden by ``hide_parameters``.
    """
    if not engine.logging_name:
        raise ValueError("private_sql_logging needs an engine created with logging_name")
    logger = logging.getLogger(f"sqlalchemy.engine.Engine.{engine.logging_name}")
    if _HIDE_ROWS not in logger.filters:
        logger.addFilter(_HIDE_ROWS)
    return engine


def database_url(environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    return env.get(DATABASE_URL_VAR) or DEFAULT_DATABASE_URL


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_S * 1000}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def make_engine(url: str | None = None) -> Engine:
    """An engine for ``url`` (default from the environment); SQLite gets WAL + busy timeout.
    Parameters and result rows stay out of SQLAlchemy's logs and errors."""
    try:
        parsed = sa.make_url(url or database_url())
    except ArgumentError as exc:
        raise ConfigurationError(
            f"{DATABASE_URL_VAR} cannot be parsed as a database URL",
            hint="use sqlite:///path/to/canonry.db or postgresql+psycopg://user@host/db",
        ) from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    quiet: dict[str, Any] = {"hide_parameters": True, "logging_name": ENGINE_LOGGING_NAME}
    if not parsed.drivername.startswith("sqlite"):
        return private_sql_logging(sa.create_engine(parsed, pool_pre_ping=True, **quiet))
    engine = sa.create_engine(parsed, connect_args={"timeout": _BUSY_TIMEOUT_S}, **quiet)
    sa.event.listen(engine, "connect", _sqlite_pragmas)
    return private_sql_logging(engine)
