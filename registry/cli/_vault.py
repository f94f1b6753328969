"""``canonry vault ...``: key rotation and retirement for the local credential store."""

from __future__ import annotations

import typer

__all__ = ["app"]

app = typer.Typer(help="Credential encryption keys: rotate, retire, status.", no_args_is_help=True)
