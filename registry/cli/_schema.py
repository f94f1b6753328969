"""``canonry schema ...``: export and check the canonical JSON Schemas."""

from __future__ import annotations

import typer

__all__ = ["app"]

app = typer.Typer(help="Canonical schema: export and check versions.", no_args_is_help=True)
