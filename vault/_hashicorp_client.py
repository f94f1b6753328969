"""One authenticated ``hvac`` client shared by the KV store and the Transit wrapper.

Token lifecycle, checked before every call on an injected monotonic clock:

- Token auth (``VAULT_TOKEN``): the first call looks the token up (``lookup-self``) to learn
  its TTL. A renewable token is renewed (``renew-self``) once less than a third of its lease
  is left; one that cannot be renewed any more is logged as expiring.
- AppRole: logs in lazily, renews its token the same way, and logs in again when renewal
  is impossible (not renewable, refused, or capped by the token's max TTL), revoking the
  token it replaces. ``close()`` revokes the current AppRole token.
- A 403 is a policy refusal unless the token itself is no longer accepted (``lookup-self``
  refused too): only then does AppRole log in again (once) and retry; a token-auth client
  says VAULT_TOKEN expired or was revoked. A policy 403 never causes a login.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import hvac
import hvac.exceptions as hvac_exc
import requests

from canonical import CredentialError
from vault._hashicorp_config import VaultSettings
from vault._hashicorp_errors import safe_addr, vault_errors
from vault._hashicorp_token import Clock, TokenLease

__all__ = ["VaultClient"]

T = TypeVar("T")
log = logging.getLogger("canonry.vault.hashicorp")
_VAULT_FAILURES = (hvac_exc.VaultError, requests.exceptions.RequestException)


def _token_rejected() -> CredentialError:
    return CredentialError(
        "Vault no longer accepts VAULT_TOKEN: it expired or was revoked",
        hint="issue a new token (renewable, or use AppRole: CANONRY_VAULT_ROLE_ID and "
        "CANONRY_VAULT_SECRET_ID) and restart",
    )


class VaultClient:
    """Runs calls against Vault with auth, token renewal, AppRole re-login and error
    translation. ``clock`` (monotonic seconds) decides when a token is due for renewal."""

    def __init__(
        self,
        settings: VaultSettings,
        *,
        session: requests.Session | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
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
        self._clock = clock
        self._lock = threading.Lock()
        self._lease: TokenLease | None = None  # None: not looked up / logged in yet
        self._granted = 0.0  # the full lease first granted (the renewal increment)
        self._warned = False

    def __repr__(self) -> str:
        auth = "approle" if self.settings.uses_approle else "token"
        return f"VaultClient(addr={safe_addr(self.settings.addr)!r}, auth={auth!r})"

    @property
    def lease(self) -> TokenLease | None:
        """The current token's lease as last reported by Vault (None before the first call)."""
        return self._lease

    def call(self, path: str, fn: Callable[[Any], T]) -> T:
        """``fn(hvac_client)`` with errors translated; ``path`` names the target in messages."""
        with vault_errors(addr=self.settings.addr, path=path):
            self._maintain()
            token = self._hvac.token
            try:
                return fn(self._hvac)
            except hvac_exc.Forbidden:
                if self._hvac.token == token and self._accepted():
                    raise  # the token is fine: its policy refuses this path
                if not self.settings.uses_approle:
                    raise _token_rejected() from None
                log.info("Vault no longer accepts the AppRole token; logging in again")
                with self._lock:
                    if self._hvac.token == token:
                        self._login(replacing=None)  # a dead token needs no revoking
                return fn(self._hvac)

    def lookup_self(self) -> dict[str, Any]:
        """The token's own metadata (policies, ttl); proves the credentials work."""
        result: dict[str, Any] = self.call(
            "auth/token/lookup-self", lambda c: c.auth.token.lookup_self()
        )
        return result

    def close(self) -> None:
        """Revoke the AppRole token (best effort) and close the HTTP session."""
        if self.settings.uses_approle and self._lease is not None:
            self._revoke_current()
        self._hvac.adapter.close()

    # -- token lifecycle -----------------------------------------------------------------
    def _maintain(self) -> None:
        if self._lease is not None and not self._lease.due(self._clock(), self._granted):
            return
        with self._lock:
            if self._lease is None and self.settings.uses_approle:
                self._login(replacing=None)
            elif self._lease is None:
                self._look_up()
            elif self._lease.due(self._clock(), self._granted):
                self._refresh()

    def _look_up(self) -> None:
        try:
            data = self._hvac.auth.token.lookup_self()["data"]
        except hvac_exc.Forbidden:
            raise _token_rejected() from None
        self._lease = TokenLease.from_lookup(data, self._clock())
        self._granted = float(data.get("creation_ttl") or self._lease.duration)

    def _refresh(self) -> None:
        lease = self._lease
        assert lease is not None
        if lease.renewable and not lease.capped and self._renew():
            return
        if self.settings.uses_approle:
            self._login(replacing=self._hvac.token)
        elif not self._warned:
            self._warned = True
            log.warning(
                "VAULT_TOKEN cannot be renewed further and expires in %.0f s; issue a new "
                "token (or use AppRole) before then",
                max(lease.remaining(self._clock()), 0),
            )

    def _renew(self) -> bool:
        """Renew the token; True when the new lease is long enough to wait for the next."""
        try:
            auth = self._hvac.auth.token.renew_self(increment=int(self._granted))["auth"]
        except hvac_exc.Forbidden:
            log.info("Vault refused to renew the token")
            return False
        self._lease = TokenLease.from_auth(auth, self._clock(), asked=self._granted)
        log.info("renewed the Vault token for %.0f s", self._lease.duration)
        return not self._lease.due(self._clock(), self._granted)

    def _login(self, *, replacing: str | None) -> None:
        secret_id = self.settings.secret_id
        response = self._hvac.auth.approle.login(
            role_id=self.settings.role_id,
            secret_id=secret_id.get_secret_value() if secret_id is not None else None,
            use_token=False,
            mount_point=self.settings.approle_mount,
        )
        auth = response["auth"]
        if replacing is not None:
            self._revoke_current()
        self._hvac.token = auth["client_token"]
        self._lease = TokenLease.from_auth(auth, self._clock())
        self._granted = self._lease.duration
        log.info("logged in to Vault with AppRole")

    def _revoke_current(self) -> None:
        try:
            self._hvac.auth.token.revoke_self()
        except _VAULT_FAILURES as exc:
            log.info("could not revoke the replaced Vault token (%s)", type(exc).__name__)

    def _accepted(self) -> bool:
        """Whether Vault still accepts the current token (``lookup-self`` succeeds)."""
        try:
            self._hvac.auth.token.lookup_self()
        except hvac_exc.Forbidden:
            return False
        return True
