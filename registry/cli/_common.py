"""What every command shares: global options, exit codes, error output, the Registry factory."""

from __future__ import annotations

import json
import os
import sys
import traceback
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from typer._click.core import Context as _ClickContext
from typer.core import TyperGroup
from typer.exceptions import Abort, Exit, TyperException

if TYPE_CHECKING:  # canonical (pydantic) loads only when a command needs it: fast --help
    from canonical import CanonryError
    from registry import Registry

__all__ = [
    "CanonryGroup",
    "CliState",
    "ExitCode",
    "database_url",
    "exit_code_for",
    "exit_code_for_check",
    "fail",
    "open_registry",
    "print_error",
    "print_json",
    "require_database",
    "state",
]


class ExitCode(IntEnum):
    """Exit codes scripts can rely on (the README's table; `canonry --help` says the same)."""

    OK = 0
    FAILED = 1
    """The operation ran and failed (vendor error, mapping error, a check that did not pass,
    a refusal), or a service it needs (database server, vendor, Vault) is unavailable: it may
    succeed when retried after the cause is fixed."""
    USAGE = 2
    """Bad usage, input or configuration: wrong arguments (also click's own usage errors),
    invalid JSON or config, names of things that are not installed or do not exist in
    Canonry's vocabulary (adapter, stream, model, status), a database that is missing or not
    initialised, a missing key file. Fix the command or the setup, then run it again."""
    NOT_FOUND = 3
    """A stored thing of this tenant does not exist (connection, its credentials, webhook
    item, mapping version), or it is another tenant's."""
    NEEDS_REAUTH = 4
    """The vendor or provider refused the credentials (401/403, revoked token): set new ones
    with `canonry credentials set NAME`, then retry."""


_REFUSED = ("AuthenticationError", "PermissionDeniedError", "ReauthorizationRequired")
"""Error classes (as ``CheckResult.details["error"]`` names them) that mean exit 4."""


def exit_code_for(exc: CanonryError) -> ExitCode:
    """The one rule from error class to exit code."""
    from canonical import (
        AuthenticationError,
        ConfigurationError,
        KeyNotFoundError,
        NotFoundInRegistry,
        PermissionDeniedError,
        ReauthorizationRequired,
        ValidationFailed,
    )

    if isinstance(exc, NotFoundInRegistry):
        return ExitCode.NOT_FOUND
    if isinstance(exc, ReauthorizationRequired | AuthenticationError | PermissionDeniedError):
        return ExitCode.NEEDS_REAUTH
    if isinstance(exc, ConfigurationError | ValidationFailed | KeyNotFoundError):
        return ExitCode.USAGE  # (a key the keyring lacks: the key file needs fixing)
    return ExitCode.FAILED


def exit_code_for_check(details: dict[str, Any]) -> ExitCode:
    """The exit code of a failed ``connections test`` (its ``CheckResult.details``)."""
    return ExitCode.NEEDS_REAUTH if details.get("error") in _REFUSED else ExitCode.FAILED


_DEFAULT_HINTS = {
    ExitCode.NOT_FOUND: "check the name and --tenant",
    ExitCode.NEEDS_REAUTH: "set new credentials with `canonry credentials set CONNECTION`",
    ExitCode.USAGE: "fix the input and retry",
    ExitCode.FAILED: "see `canonry audit` and the sync runs for details, then retry",
}


def print_error(exc: CanonryError) -> ExitCode:
    """One line on stderr: ``error: <what> — <what to do>``; returns the exit code."""
    code = exit_code_for(exc)
    hint = exc.hint or _DEFAULT_HINTS[code]
    typer.echo(f"error: {exc.message} — {hint}", err=True)
    return code


def fail(message: str, hint: str, code: ExitCode = ExitCode.FAILED) -> NoReturn:
    typer.echo(f"error: {message} — {hint}", err=True)
    raise typer.Exit(int(code))


def _translated(exc: Exception, ctx: _ClickContext) -> CanonryError | None:
    """A database driver error (SQLAlchemy's), as the Canonry error it means."""
    sa_exc = sys.modules.get("sqlalchemy.exc")
    if sa_exc is None or not isinstance(exc, sa_exc.DBAPIError):
        return None
    from registry._database import database_failure
    from registry._engine import parse_database_url

    current = ctx.obj if isinstance(ctx.obj, CliState) else CliState("default", None)
    return database_failure(exc, parse_database_url(database_url(current)))


def _internal_error(exc: Exception) -> NoReturn:
    """An exception Canonry did not expect: one line naming its type and place, never its
    message (it could hold data); ``CANONRY_DEBUG=1`` shows the traceback instead."""
    if os.environ.get("CANONRY_DEBUG", "").strip() in ("1", "true", "yes"):
        raise exc
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    fail(
        f"internal error ({type(exc).__name__}{where})",
        "this is a bug in Canonry: please report it with the output of the same command "
        "run with CANONRY_DEBUG=1",
    )


class CanonryGroup(TyperGroup):
    """The root group: every failure becomes one ``error: <what> — <what to do>`` line and
    its exit code; click's own exits and usage errors pass through."""

    def invoke(self, ctx: _ClickContext) -> Any:
        try:
            return super().invoke(ctx)
        except (TyperException, Exit, Abort):
            raise
        except Exception as exc:
            from canonical import CanonryError

            if isinstance(exc, CanonryError):
                raise typer.Exit(int(print_error(exc))) from None
            translated = _translated(exc, ctx)
            if translated is None:
                _internal_error(exc)
            raise typer.Exit(int(print_error(translated))) from None


@dataclass
class CliState:
    tenant: str
    database_url: str | None


def state(ctx: typer.Context) -> CliState:
    obj = ctx.find_root().obj
    if isinstance(obj, CliState):
        return obj
    return CliState(tenant="default", database_url=None)


def database_url(current: CliState) -> str:
    """--database-url, else CANONRY_DATABASE_URL, else the default SQLite file."""
    from registry._engine import database_url_from_env

    return current.database_url or database_url_from_env()


def require_database(ctx: typer.Context, *, migrated: bool = True) -> str:
    """The database URL, once checked (without creating anything) that the database exists
    and answers, and with ``migrated`` that it is initialised; raises a one-line error."""
    from registry._database import require_database as check

    url = database_url(state(ctx))
    check(url, migrated=migrated)
    return url


def open_registry(ctx: typer.Context) -> Registry:
    """A Registry for the global --tenant / --database-url (installed adapters)."""
    from registry import Registry

    current = state(ctx)  # the Registry checks the database as require_database does
    return Registry(database_url(current), tenant=current.tenant)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str, sort_keys=True) + "\n")
    sys.stdout.flush()
