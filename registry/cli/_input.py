"""Reading JSON config and secrets from options, files and stdin (never from argv for secrets)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from canonical import ConfigurationError

__all__ = ["read_config", "read_secrets_stdin"]


def _refused(message: str, hint: str) -> ConfigurationError:
    from canonical import ConfigurationError  # pydantic loads only when a command needs it

    return ConfigurationError(message, hint=hint)


def _object(text: str, what: str, hint: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _refused(
            f"{what} is not valid JSON (line {exc.lineno}, column {exc.colno})", hint
        ) from None
    if not isinstance(data, dict):
        raise _refused(f"{what} must be a JSON object", hint)
    return data


def read_config(config: str | None, config_file: Path | None) -> dict[str, Any]:
    """The connection config from ``--config JSON`` or ``--config-file F`` (not both)."""
    if config is not None and config_file is not None:
        raise _refused("--config and --config-file were both given", "pass only one of them")
    if config_file is not None:
        try:
            text = config_file.read_text()
        except OSError as exc:
            raise _refused(
                f"cannot read config file {config_file}: {exc.strerror}",
                "check the path and permissions",
            ) from None
        return _object(text, f"config file {config_file}", "write one JSON object")
    if config is None:
        return {}
    return _object(config, "--config", 'pass a JSON object, e.g. --config \'{"key": "value"}\'')


def read_secrets_stdin() -> dict[str, str]:
    """A JSON object of credential fields read from stdin; values are never echoed."""
    text = sys.stdin.read()
    data = _object(
        text, "the credentials on stdin", 'pipe one JSON object, e.g. {"api_key": "..."}'
    )
    bad = sorted(k for k, v in data.items() if not isinstance(v, str | int | float))
    if bad:
        raise _refused(f"credential fields {', '.join(bad)} must be strings", "quote the values")
    return {str(k): str(v) for k, v in data.items()}
