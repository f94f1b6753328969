"""What ``canonry init`` does about encryption keys, by credential backend.

A new local key is made only where it cannot strand data: when no secret encrypted under
a local key is stored yet, or when ``--new-key`` says to start over knowingly. HashiCorp
Vault (``CANONRY_VAULT=hashicorp``), Vault Transit (``CANONRY_VAULT_TRANSIT=1``) and keys in
``CANONRY_MASTER_KEYS`` need no key file, so none is written.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from canonical import ConfigurationError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

__all__ = ["KeyOutcome", "prepare_keys"]

_TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class KeyOutcome:
    message: str
    key_file: Path | None = None
    created: bool = False


def stored_local_secrets(engine: Engine) -> int:
    """Secrets whose data keys are wrapped by a local key (they need the key file)."""
    import sqlalchemy as sa

    from vault._tables import credentials_table

    table = credentials_table()
    query = sa.select(sa.func.count()).select_from(table).where(table.c.wrapper == "local")
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def _refuse(path: Path, secrets: int) -> ConfigurationError:
    return ConfigurationError(
        f"no key file at {path}, and {secrets} stored secret(s) are encrypted under a local "
        "key: a new key could never read them",
        hint="restore the key file from your backup (or point CANONRY_KEY_FILE at it), or run "
        "`canonry init --new-key` to start over knowingly (then set every connection's "
        "credentials again)",
    )


def _local_key_file(engine: Engine, path: Path, new_key: bool) -> KeyOutcome:
    from vault import init_local_keyring

    if path.exists():
        init_local_keyring(path)  # validates it (format, mode 0600); never replaces it
        return KeyOutcome(f"key file {path}: exists, kept", path)
    secrets = stored_local_secrets(engine)
    if secrets and not new_key:
        raise _refuse(path, secrets)
    _, created = init_local_keyring(path)
    note = f"; {secrets} secret(s) stored under the old key stay unreadable" if secrets else ""
    return KeyOutcome(f"key file {path}: created (mode 0600){note}", path, created)


def prepare_keys(engine: Engine, key_file: Path | None, new_key: bool) -> KeyOutcome:
    """Create, keep or skip the local key file, as the configured backend needs."""
    from vault import default_key_file
    from vault._config import BACKENDS, TRANSIT_VAR, VAULT_VAR
    from vault._masterkeys import MASTER_KEYS_VAR

    backend = (os.environ.get(VAULT_VAR) or "local").strip().lower()
    if backend not in BACKENDS:
        raise ConfigurationError(
            f"{VAULT_VAR}={backend!r} is not a credential backend",
            hint=f"choose one of: {', '.join(BACKENDS)}",
        )
    if backend == "hashicorp":
        where = os.environ.get("VAULT_ADDR") or "VAULT_ADDR (not set yet)"
        return KeyOutcome(f"credentials: HashiCorp Vault at {where}; no local key file needed")
    if os.environ.get(TRANSIT_VAR, "").strip().lower() in _TRUE:
        return KeyOutcome("credentials: data keys wrapped by Vault Transit; no key file needed")
    if os.environ.get(MASTER_KEYS_VAR):
        return KeyOutcome(f"credentials: keys from {MASTER_KEYS_VAR}; no key file needed")
    return _local_key_file(engine, key_file or default_key_file(), new_key)
