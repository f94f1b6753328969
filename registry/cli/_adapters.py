"""``canonry adapters list|show``: installed adapters, including plugins that failed to load."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from registry.cli._common import ExitCode, fail, print_json

if TYPE_CHECKING:
    from pydantic import BaseModel

    from adapters import Adapter

__all__ = ["adapter_fields", "app"]

app = typer.Typer(help="Installed adapters and plugins.", no_args_is_help=True)


def adapter_fields(model: type[BaseModel]) -> list[dict[str, Any]]:
    """Name, type, required and description of each field of a config/credentials model."""
    rows = []
    for name, info in model.model_fields.items():
        annotation = getattr(info.annotation, "__name__", None) or str(info.annotation)
        rows.append(
            {
                "name": name,
                "type": annotation,
                "required": info.is_required(),
                "description": info.description or "",
            }
        )
    return rows


def _describe(cls: type[Adapter]) -> dict[str, Any]:
    return {
        "key": cls.key,
        "display_name": getattr(cls, "display_name", cls.key),
        "version": cls.version,
        "api_version": cls.api_version,
        "capabilities": sorted(str(c) for c in cls.capabilities),
        "streams": [{"name": s.name, "model": s.model} for s in cls.streams],
        "config": adapter_fields(cls.config_model),
        "credentials": adapter_fields(cls.credentials_model),
    }


@app.command("list")
def list_command(
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """Every adapter plugin found, loaded or not (with the reason it did not load)."""
    from dataclasses import asdict

    from rich.console import Console
    from rich.table import Table

    from plugins import load_adapters

    report = load_adapters()
    if as_json:
        print_json([asdict(info) for info in report.plugins])
        return
    table = Table("key", "name", "version", "api", "distribution", "status", "reason")
    for info in report.plugins:
        style = "green" if info.status == "loaded" else "red"
        table.add_row(
            info.key or info.name,
            info.display_name or "",
            info.version or "",
            info.api_version or "",
            info.distribution or "",
            f"[{style}]{info.status}[/]",
            info.reason,
        )
    Console().print(table)


@app.command("show")
def show_command(
    key: str = typer.Argument(..., help="Adapter key, e.g. stripe."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """An adapter's streams, capabilities, config fields and credential fields."""
    from rich.console import Console
    from rich.table import Table

    from plugins import load_adapters

    report = load_adapters()
    cls = report.adapters.get(key)
    if cls is None:
        known = ", ".join(sorted(report.adapters)) or "none"
        fail(f"no adapter {key!r} is installed", f"installed: {known}", ExitCode.USAGE)
    data = _describe(cls)
    if as_json:
        print_json(data)
        return
    console = Console()
    console.print(
        f"[bold]{data['display_name']}[/] ({key} {data['version']}, api {data['api_version']})"
    )
    console.print("capabilities: " + ", ".join(data["capabilities"]))
    console.print("streams: " + ", ".join(f"{s['name']} -> {s['model']}" for s in data["streams"]))
    for section in ("config", "credentials"):
        table = Table("field", "type", "required", "description", title=section)
        for row in data[section]:
            table.add_row(
                row["name"], row["type"], "yes" if row["required"] else "", row["description"]
            )
        console.print(table)
