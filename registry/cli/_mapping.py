"""``canonry mapping ...``: suggest a mapping, review it, approve, activate, roll back.

A suggestion is saved as a draft version of the connection's mapping override; only an
approved version can be activated, and every step is in the audit log.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from registry.cli._common import ExitCode, fail, open_registry, print_json

if TYPE_CHECKING:
    from mapping.llm import HttpLLMClient
    from mapping.suggest import Proposal
    from registry import Registry

__all__ = ["app"]

app = typer.Typer(help="Suggest, review and activate mapping versions.", no_args_is_help=True)

Llm = Literal["none", "openai", "anthropic"]
_CONNECTION = typer.Argument(..., help="Connection name or id.")
_MODEL = typer.Argument(..., help="Canonical model: Customer or Invoice.")
_VERSION = typer.Argument(..., help="Mapping version number.")


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        fail(
            f"cannot read the {what} {path}: {exc}",
            f"give a readable JSON {what} file",
            ExitCode.USAGE,
        )


def _llm_client(registry: Registry, llm: str, model: str | None) -> HttpLLMClient | None:
    if llm == "none":
        return None
    from pydantic import SecretStr

    from canonical import NotFoundInRegistry
    from mapping.llm import api_key_from_env, client_from_env

    key = api_key_from_env(llm)
    if key is None:
        try:
            stored = registry.credential_store.get(registry.tenant, f"llm-{llm}")
            found = stored.get("api_key")
            key = found if isinstance(found, SecretStr) else None
        except NotFoundInRegistry:
            key = None
    return client_from_env(llm, model=model, api_key=key)


@app.command("suggest")
def suggest_command(
    ctx: typer.Context,
    connection: str = _CONNECTION,
    model: str = _MODEL,
    llm: str = typer.Option("none", "--llm", help="none, openai or anthropic."),
    llm_model: str | None = typer.Option(None, "--llm-model", help="The LLM's model name."),
    schema: Annotated[
        Path | None, typer.Option("--schema", help="JSON Schema / OpenAPI file.")
    ] = None,
    samples: int = typer.Option(20, "--samples", min=0, max=1000, help="Records to read."),
    samples_file: Annotated[
        Path | None,
        typer.Option("--samples-file", help="Read sample records from this JSON file instead."),
    ] = None,
    send_values: bool = typer.Option(
        False, "--send-values", help="Let the LLM see sample values (off: names and types only)."
    ),
    custom_fields: bool = typer.Option(
        False, "--custom-fields", help="Put unmapped vendor fields into custom_fields."
    ),
    replace: bool = typer.Option(
        False, "--replace", help="Also replace rules the adapter's default mapping has."
    ),
    save: bool = typer.Option(True, "--save/--no-save", help="Save the draft version."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """Suggest a mapping for MODEL from CONNECTION's records and save it as a draft."""
    if llm not in ("none", "openai", "anthropic"):
        fail(f"unknown --llm {llm!r}", "use none, openai or anthropic", ExitCode.USAGE)
    from mapping.suggest import suggest
    from registry._mapping_versions import connection_samples

    with open_registry(ctx) as registry:
        given = _read_json(samples_file, "samples") if samples_file else None
        limit = 0 if (schema or given is not None) else samples
        records, base = connection_samples(registry, connection, model, limit)
        if isinstance(given, list):
            records = given
        spec = _read_json(schema, "schema") if schema else None
        client = _llm_client(registry, llm, llm_model)
        try:
            proposal = suggest(
                model, samples=records or None, schema=spec, llm=client, send_values=send_values
            )
        finally:
            if client is not None:
                client.close()
        override = proposal.to_override(base, replace=replace, custom_fields=custom_fields)
        saved = None
        if save and override.rules:
            saved = registry.add_mapping_version(connection, model, override.to_yaml())
            registry.record_audit(
                "mapping.suggest", connection, model=model, version=saved.version, llm=llm,
                rules=len(override.rules), send_values=send_values,
            )  # fmt: skip
    if as_json:
        data = proposal.model_dump(mode="json", exclude={"rules": {"__all__": {"rules"}}})
        print_json({"proposal": data, "version": saved.version if saved else None})
        return
    _print_proposal(proposal)
    if saved is not None:
        typer.echo(
            f"saved draft v{saved.version} ({len(override.rules)} rules); review with "
            f"`canonry mapping diff {connection} {model}`, then approve and activate it"
        )
    else:
        typer.echo("nothing saved: the proposal adds no rule to the connection's mapping")


def _short(value: Any, width: int = 40) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else value
    return text if len(text) <= width else text[: width - 1] + "…"


def _print_proposal(proposal: Proposal) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table("field", "source path", "transform", "conf.", "before → after", title=(
        f"{proposal.model}: {len(proposal.rules)} rules, checked on "
        f"{proposal.samples_checked} records"
    ))  # fmt: skip
    for rule in proposal.rules:
        sample = rule.samples[0] if rule.samples else None
        example = f"{_short(sample.before)} → {_short(sample.after)}" if sample else "-"
        origin = " (llm)" if rule.origin == "llm" else ""
        table.add_row(
            rule.target, rule.source, (rule.transform or "-") + origin,
            f"{rule.confidence:.2f}", example,
        )  # fmt: skip
    if proposal.lines is not None:
        for rule in proposal.lines.rules:
            sample = rule.samples[0] if rule.samples else None
            example = f"{_short(sample.before)} → {_short(sample.after)}" if sample else "-"
            table.add_row(
                f"lines.{rule.target}", f"{proposal.lines.source}[*].{rule.source}",
                rule.transform or "-", f"{rule.confidence:.2f}", example,
            )  # fmt: skip
    console.print(table)
    for missing in proposal.missing:
        console.print(f"missing {missing.target}: {missing.reason}; {missing.hint}")
    if proposal.unmapped:
        paths = ", ".join(u.path for u in proposal.unmapped)
        console.print(f"unmapped ({len(proposal.unmapped)}, custom_fields candidates): {paths}")
    for dropped in proposal.dropped:
        console.print(f"dropped {dropped.target} <- {dropped.source}: {dropped.reason}")
    for note in proposal.notes:
        console.print(f"note: {note}")


@app.command("list")
def list_command(
    ctx: typer.Context,
    connection: str = _CONNECTION,
    model: str | None = typer.Argument(None, help="Only this model."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """The mapping versions of CONNECTION."""
    with open_registry(ctx) as registry:
        versions = registry.list_mapping_versions(connection, model)
    if as_json:
        print_json([v.model_dump(mode="json") for v in versions])
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("model", "version", "status", "created by", "created")
    for v in versions:
        created = v.created_at.isoformat(timespec="seconds")
        table.add_row(v.model, str(v.version), v.status.value, v.created_by, created)
    Console().print(table)


@app.command("show")
def show_command(
    ctx: typer.Context, connection: str = _CONNECTION, model: str = _MODEL, version: int = _VERSION
) -> None:
    """Print a version's override (YAML)."""
    with open_registry(ctx) as registry:
        found = [
            v for v in registry.list_mapping_versions(connection, model) if v.version == version
        ]
    if not found:
        fail(
            f"no {model} mapping version {version}",
            "see `canonry mapping list`",
            ExitCode.NOT_FOUND,
        )
    typer.echo(found[0].mapping.rstrip())


@app.command("diff")
def diff_command(
    ctx: typer.Context,
    connection: str = _CONNECTION,
    model: str = _MODEL,
    old: int | None = typer.Option(None, "--from", help="Default: the active version."),
    new: int | None = typer.Option(None, "--to", help="Default: the latest version."),
) -> None:
    """Rule changes between two versions (default: active -> latest)."""
    from registry._mapping_versions import MappingWorkflow

    with open_registry(ctx) as registry:
        before, after, changes = MappingWorkflow(registry).diff(connection, model, old, new)
    typer.echo(f"{model} mapping of {connection}: {before} -> {after}")
    if not changes:
        typer.echo("no rule changes")
    signs = {"added": "+", "removed": "-", "changed": "~"}
    for change in changes:
        old_text = "" if change.before is None else f"{_short(change.before, 60)} -> "
        typer.echo(f"{signs[change.change]} {change.target}: {old_text}{_short(change.after, 60)}")


def _step(ctx: typer.Context, action: str, connection: str, model: str, version: int) -> None:
    from registry._mapping_versions import MappingWorkflow

    with open_registry(ctx) as registry:
        flow = MappingWorkflow(registry)
        result = getattr(flow, action)(connection, model, version)
    typer.echo(f"{model} mapping v{result.version} of {connection} is {result.status.value}")


@app.command("approve")
def approve_command(
    ctx: typer.Context, connection: str = _CONNECTION, model: str = _MODEL, version: int = _VERSION
) -> None:
    """Approve a draft version."""
    _step(ctx, "approve", connection, model, version)


@app.command("reject")
def reject_command(
    ctx: typer.Context, connection: str = _CONNECTION, model: str = _MODEL, version: int = _VERSION
) -> None:
    """Reject a draft or approved version."""
    _step(ctx, "reject", connection, model, version)


@app.command("activate")
def activate_command(
    ctx: typer.Context, connection: str = _CONNECTION, model: str = _MODEL, version: int = _VERSION
) -> None:
    """Make an approved version the one syncs use (the active one is retired)."""
    _step(ctx, "activate", connection, model, version)


@app.command("rollback")
def rollback_command(
    ctx: typer.Context, connection: str = _CONNECTION, model: str = _MODEL
) -> None:
    """Reactivate the previously active version (the current one is rejected)."""
    from registry._mapping_versions import MappingWorkflow

    with open_registry(ctx) as registry:
        back = MappingWorkflow(registry).rollback(connection, model)
    if back is None:
        typer.echo(f"{model} mapping of {connection}: back to the adapter's default mapping")
    else:
        typer.echo(f"{model} mapping of {connection}: v{back.version} is active again")
