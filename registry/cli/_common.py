"""What every command shares: global options, exit codes, error output, the Registry factory."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from typer._click.core import Context as _ClickContext
from typer.core import TyperGroup

from canonical import (
    AuthenticationError,
    CanonryError,
    ConfigurationError,
    NotFoundInRegistry,
    ReauthorizationRequired,
    ValidationFailed,
)

if TYPE_CHECKING:
    from registry import Registry

__all__ = [
    "CanonryGroup",
    "CliState",
    "ExitCode",
    "exit_code_for",
    "fail",
    "open_registry",
    "print_error",
    "print_json",
    "state",
]


class ExitCode(IntEnum):
    """Exit codes scripts can rely on."""

    OK = 0
    FAILED = 1
    """The operation ran and failed (vendor error, mapping error, check not ok)."""
    USAGE = 2
    """Bad arguments or input (also click's own usage errors)."""
    NOT_FOUND = 3
    """The tenant has no such connection, credential or record (or it is another tenant's)."""
    NEEDS_REAUTH = 4
    """The credentials were refused: set or re-authorise them, then retry."""


def exit_code_for(exc: CanonryError) -> ExitCode:
    if isinstance(exc, NotFoundInRegistry):
        return ExitCode.NOT_FOUND
    if isinstance(exc, ReauthorizationRequired | AuthenticationError):
        return ExitCode.NEEDS_REAUTH
    if isinstance(exc, ConfigurationError | ValidationFailed):
        return ExitCode.USAGE
    return ExitCode.FAILED


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


class CanonryGroup(TyperGroup):
    """The root group: turns every ``CanonryError`` into one line and an exit code."""

    def invoke(self, ctx: _ClickContext) -> Any:
        try:
            return super().invoke(ctx)
        except CanonryError as exc:
            code = print_error(exc)
            raise typer.Exit(int(code)) from None


@dataclass
class CliState:
    tenant: str
    database_url: str | None


def state(ctx: typer.Context) -> CliState:
    obj = ctx.find_root().obj
    if isinstance(obj, CliState):
        return obj
    return CliState(tenant="default", database_url=None)


def open_registry(ctx: typer.Context) -> Registry:
    """A Registry for the global --tenant / --database-url (installed adapters)."""
    from registry import Registry

    current = state(ctx)
    return Registry(current.database_url, tenant=current.tenant)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str, sort_keys=True) + "\n")
    sys.stdout.flush()
