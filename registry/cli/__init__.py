"""The ``canonry`` admin CLI (Typer + rich). A composition root: it may import every package."""

from registry.cli._app import app, main

__all__ = ["app", "main"]
