"""The registry's CLI fixtures (migrated SQLite, fake adapter on loopback) for the flow tests."""

from __future__ import annotations

from tests.registry.conftest import cli_env, fake_api, plugin_path, sqlite_url

__all__ = ["cli_env", "fake_api", "plugin_path", "sqlite_url"]
