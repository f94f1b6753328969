"""Running the CLI in-process for tests: exit code, stdout, stderr; no secret ever printed."""

from __future__ import annotations

from typer.testing import CliRunner

from registry.cli import app
from tests.registry.conftest import API_KEY

__all__ = ["canonry"]

runner = CliRunner()


def canonry(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=input)
    assert API_KEY not in result.stdout + result.stderr, "a secret was printed"
    return result.exit_code, result.stdout, result.stderr
