"""One authenticated ``hvac`` client shared by the KV store and the Transit wrapper.

Token auth uses the token as given. AppRole logs in lazily and logs in again once when Vault
answers 403 (the AppRole token expired or was revoked), then retries the call.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import hvac
import hvac.exceptions as hvac_exc
import requests

from vault._hashicorp_config import VaultSettings
from vault._hashicorp_errors import safe_addr, vault_errors

__all__ = ["VaultClient"]

T = TypeVar("T")
log = logging.getLogger("canonry.vault.hashicorp")


class VaultClient:
    """Runs calls against Vault with auth, one AppRole re-login and error translation."""

    def __init__(self, settings: VaultSettings, *, session: requests.Session | None = None) -> None:
        self.settings = settings
        token = settings.token.get_secret_value() if settings.token is not None else ""
        self._hvac: Any = hvac.Client(
            url=settings.addr,
            token=token,
            verify=settings.verify,
            timeout=settings.timeout,
            namespace=settings.namespace,
            session=session,
        )
        self._login_lock = threading.Lock()
        self._logged_in = not settings.uses_approle

    def __repr__(self) -> str:
        auth = "approle" if self.settings.uses_approle else "token"
        return f"VaultClient(addr={safe_addr(self.settings.addr)!r}, auth={auth!r})"

    def call(self, path: str, fn: Callable[[Any], T]) -> T:
        """``fn(hvac_client)`` with errors translated; ``path`` names the target in messages."""
        with vault_errors(addr=self.settings.addr, path=path):
            if not self._logged_in:
                self._login(stale=None)
            token = self._hvac.token
            try:
                return fn(self._hvac)
            except hvac_exc.Forbidden:
                if not self.settings.uses_approle:
                    raise
                log.info("Vault answered 403 to the AppRole token; logging in again once")
                self._login(stale=token)
                return fn(self._hvac)

    def _login(self, *, stale: str | None) -> None:
        with self._login_lock:
            if stale is not None and self._hvac.token != stale:
                return  # another thread already logged in again
            secret_id = self.settings.secret_id
            self._hvac.auth.approle.login(
                role_id=self.settings.role_id,
                secret_id=secret_id.get_secret_value() if secret_id is not None else None,
                mount_point=self.settings.approle_mount,
            )
            self._logged_in = True
            log.info("logged in to Vault with AppRole")

    def lookup_self(self) -> dict[str, Any]:
        """The token's own metadata (policies, ttl); proves the credentials work."""
        result: dict[str, Any] = self.call(
            "auth/token/lookup-self", lambda c: c.auth.token.lookup_self()
        )
        return result

    def close(self) -> None:
        self._hvac.adapter.close()
