"""Opening rules: Canonry never creates a database by accident, and says why one will not open.

- A SQLite file is created only on purpose (``canonry init``, or ``upgrade`` through the
  SDK), with mode 0600: it holds webhook bodies and personal data. SQLite gives its
  ``-wal`` and ``-shm`` files the mode of the database file.
- A PostgreSQL database is never created: a mistyped name is an error that says so.
- ``require_database`` answers before anything connects for real: the database exists,
  answers, and (unless asked otherwise) is migrated to this Canonry's revision.
- ``database_failure`` turns a driver error into one ``CanonryError`` saying what to do.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from canonical import CanonryError, ConfigurationError

if TYPE_CHECKING:
    import sqlalchemy as sa
    from sqlalchemy.engine import Engine

__all__ = [
    "check_opened",
    "check_schema",
    "create_sqlite_file",
    "database_failure",
    "describe_url",
    "require_database",
    "sqlite_path",
]

_CONNECT_TIMEOUT_S = 10
_WHERE = "point CANONRY_DATABASE_URL (or --database-url) at your database"
_MISSING_PG = re.compile(r'database "(?P<name>[^"]+)" does not exist')
_LOGIN = re.compile(r'password authentication failed|role "[^"]+" does not exist|no password')


def describe_url(url: sa.URL) -> str:
    return url.render_as_string(hide_password=True)


def sqlite_path(url: sa.URL) -> Path | None:
    """The file of a SQLite URL (absolute), or None for an in-memory or URI-style database."""
    if not url.drivername.startswith("sqlite"):
        return None
    name = url.database or ""
    if name in ("", ":memory:") or name.startswith("file:") or url.query.get("uri"):
        return None
    return Path(name).absolute()


def create_sqlite_file(path: Path) -> bool:
    """Create an empty database file with mode 0600 unless it exists; True if created."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return False
    except OSError as exc:
        folder = path.parent
        what = "does not exist" if not folder.exists() else f"is not writable ({exc.strerror})"
        raise ConfigurationError(
            f"cannot create the database {path}: the folder {folder} {what}",
            hint=f"run it in a folder you can write to, or {_WHERE}",
        ) from None
    os.close(fd)
    return True


def _check_sqlite_file(path: Path) -> None:
    if path.is_dir():
        raise ConfigurationError(
            f"the database path {path} is a folder", hint=f"{_WHERE} (a .db file)"
        )
    if not path.exists():
        raise ConfigurationError(
            f"no database at {path}",
            hint=f"create it with `canonry init` in {path.parent}, or {_WHERE}",
        )
    if not os.access(path.parent, os.W_OK):
        raise ConfigurationError(
            f"the folder of the database {path} is not writable "
            "(SQLite keeps its -wal and -shm files beside the database)",
            hint=f"make {path.parent} writable, or {_WHERE}",
        )


def _first_line(exc: BaseException) -> str:
    origin = getattr(exc, "orig", None) or exc
    text = str(origin).strip().replace("\t", " ")
    return (text.splitlines() or [type(origin).__name__])[0][:300]


def database_failure(exc: Exception, url: sa.URL) -> CanonryError:
    """What a driver error while opening ``url`` means, as a Canonry error with a hint."""
    line = _first_line(exc)
    shown = describe_url(url)
    missing = _MISSING_PG.search(line)
    if missing is not None:
        return ConfigurationError(
            f"the PostgreSQL database {missing['name']!r} does not exist on "
            f"{url.host or 'localhost'}:{url.port or 5432}",
            hint=f"create it (e.g. `createdb {missing['name']}`) or fix the name in "
            "CANONRY_DATABASE_URL; Canonry never creates databases",
        )
    if _LOGIN.search(line):
        return ConfigurationError(
            f"PostgreSQL refused the login to {shown}: {line}",
            hint="check the user and password in CANONRY_DATABASE_URL",
        )
    path = sqlite_path(url)
    if path is not None:
        return ConfigurationError(
            f"cannot open the SQLite database {path}: {line}",
            hint=f"check that the file and its folder are readable and writable, or {_WHERE}",
        )
    error = CanonryError(
        f"cannot reach the database {shown}: {line}",
        hint="check that the server runs and the host and port in CANONRY_DATABASE_URL, then retry",
    )
    error.retryable = True
    return error


def _ping(url: sa.URL) -> None:
    import sqlalchemy as sa
    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.pool import NullPool

    args = {"connect_timeout": _CONNECT_TIMEOUT_S} if url.drivername.startswith("postgres") else {}
    engine = sa.create_engine(url, poolclass=NullPool, connect_args=args, hide_parameters=True)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
    except DBAPIError as exc:
        raise database_failure(exc, url) from None
    finally:
        engine.dispose()


def check_schema(engine: Engine) -> None:
    """Refuse a database that is not migrated to the revision this Canonry ships."""
    from sqlalchemy.exc import DBAPIError

    from registry._revisions import current_revision, head_revision

    try:
        current, head = current_revision(engine), head_revision()
    except DBAPIError as exc:
        raise database_failure(exc, engine.url) from None
    if current is None:
        raise ConfigurationError(
            f"the database {describe_url(engine.url)} is not initialised (no Canonry tables)",
            hint="run `canonry init` (or `canonry db upgrade`)",
        )
    if current != head:
        raise ConfigurationError(
            f"the database schema is at revision {current}, this Canonry needs {head}",
            hint="run `canonry db upgrade` (or upgrade Canonry if the database is newer)",
        )


def check_opened(engine: Engine) -> None:
    """What the Registry checks on an engine: the SQLite file exists (connecting would
    create it) in a writable folder, then the schema (``check_schema``)."""
    path = sqlite_path(engine.url)
    if path is not None:
        _check_sqlite_file(path)
    check_schema(engine)


def require_database(url: str, *, migrated: bool = True) -> sa.URL:
    """Check, without creating anything, that the database at ``url`` exists and answers
    (and, with ``migrated``, is at this Canonry's revision); returns the parsed URL."""
    from registry._engine import create_engine, parse_database_url

    parsed = parse_database_url(url)
    path = sqlite_path(parsed)
    if path is not None:
        _check_sqlite_file(path)
    _ping(parsed)
    if migrated:
        engine = create_engine(url)
        try:
            check_schema(engine)
        finally:
            engine.dispose()
    return parsed
