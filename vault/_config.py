"""Choose the credential store from the environment: ``CANONRY_VAULT=local|hashicorp``.

``local`` (default) is the envelope-encrypted store in the SQL database with the local
keyring; ``CANONRY_VAULT_TRANSIT=1`` wraps its data keys with HashiCorp Vault Transit
instead, so the key-encryption key never leaves Vault. ``hashicorp`` keeps the secrets
themselves in Vault KV v2.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from typing import Any

from sqlalchemy.engine import Engine

from canonical import ConfigurationError
from vault._keyring import LocalKeyring
from vault._local import LocalCredentialStore
from vault._store import CredentialStore
from vault._wrapping import KeyWrapper

__all__ = ["BACKENDS", "VAULT_VAR", "store_from_env", "wrapper_from_env"]

VAULT_VAR = "CANONRY_VAULT"
TRANSIT_VAR = "CANONRY_VAULT_TRANSIT"
BACKENDS = ("local", "hashicorp")
_TRUE = {"1", "true", "yes", "on"}


def _colleague(module: str, name: str, what: str) -> Any:
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise ConfigurationError(
            f"the {what} is not available in this installation",
            hint="reinstall canonry, or unset the variable that selects it",
        ) from exc


def wrapper_from_env(environ: Mapping[str, str] | None = None) -> KeyWrapper:
    """The key wrapper for the local store: Vault Transit or the local keyring."""
    env = os.environ if environ is None else environ
    if env.get(TRANSIT_VAR, "").strip().lower() in _TRUE:
        transit = _colleague("vault._transit", "TransitKeyWrapper", "Vault Transit key wrapper")
        wrapper: KeyWrapper = transit.from_env(env)
        return wrapper
    return LocalKeyring.from_env(env)


def store_from_env(
    engine: Engine, environ: Mapping[str, str] | None = None, *, create_table: bool = True
) -> CredentialStore:
    """The configured ``CredentialStore`` (the local store needs ``engine``).

    Pass ``create_table=False`` where Alembic migrations own the schema.
    """
    env = os.environ if environ is None else environ
    backend = (env.get(VAULT_VAR) or "local").strip().lower()
    if backend == "local":
        return LocalCredentialStore(engine, wrapper_from_env(env), create_table=create_table)
    if backend == "hashicorp":
        hashicorp = _colleague("vault._hashicorp", "HashiCorpStore", "HashiCorp Vault backend")
        store: CredentialStore = hashicorp.from_env(env)
        return store
    raise ConfigurationError(
        f"{VAULT_VAR}={backend!r} is not a credential backend",
        hint=f"choose one of: {', '.join(BACKENDS)}",
    )
