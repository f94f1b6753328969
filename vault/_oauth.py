"""``OAuthRefresher``: a valid access token for one connection, refreshed before expiry.

Refresh protocol, safe with many workers and providers that rotate refresh tokens:

1. read the stored token (no lock); if it is valid for longer than ``skew``, use it;
2. otherwise take the connection's ``ConnectionLock`` and RE-READ the token: another worker
   may have refreshed while we waited, in which case use its token;
3. still near expiry: send the refresh grant, then persist the new access token and the
   (possibly rotated) refresh token with check-and-set on the version read in step 2;
4. release the lock.

Only the lock holder spends a refresh token, so a rotated one is never lost. When the
provider answers ``invalid_grant`` the stored payload gets ``needs_reauth`` and every later
call raises ``ReauthorizationRequired`` at once instead of retrying.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
from pydantic import SecretStr

from canonical import ConflictError, ReauthorizationRequired
from vault._locks import ConnectionLock
from vault._oauth_http import ClientAuth, TokenEndpoint
from vault._oauth_token import OAuthToken, load_token, save_token
from vault._store import CredentialRef, CredentialStore

__all__ = ["OAuthRefresher"]

log = logging.getLogger("canonry.vault.oauth")


def _utcnow() -> datetime:
    return datetime.now(UTC)


class OAuthRefresher:
    """Keeps one connection's OAuth token fresh in a ``CredentialStore``."""

    def __init__(
        self,
        store: CredentialStore,
        tenant: str,
        connection: str,
        token_url: str,
        client_id: str,
        client_secret: SecretStr,
        *,
        lock: ConnectionLock,
        http: httpx.Client | None = None,
        skew: timedelta = timedelta(seconds=60),
        clock: Callable[[], datetime] = _utcnow,
        client_auth: ClientAuth = "client_secret_basic",
        attempts: int = 3,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.store = store
        self.tenant = tenant
        self.connection = connection
        self.lock = lock
        self.skew = skew
        self._clock = clock
        self.endpoint = TokenEndpoint(
            token_url,
            client_id,
            client_secret,
            http=http,
            client_auth=client_auth,
            attempts=attempts,
            backoff=backoff,
            sleep=sleep,
        )

    def __repr__(self) -> str:
        return f"OAuthRefresher({self.tenant}/{self.connection}, {self.endpoint!r})"

    def close(self) -> None:
        """Close the token endpoint's HTTP client when the refresher created it."""
        self.endpoint.close()

    def __enter__(self) -> OAuthRefresher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def access_token(self) -> SecretStr:
        """An access token valid for at least ``skew``; refreshes first when needed."""
        return self.token().access_token

    def token(self) -> OAuthToken:
        token, _ = load_token(self.store, self.tenant, self.connection)
        self._check_usable(token)
        if not token.expires_within(self.skew, self._clock()):
            return token
        return self.refresh()

    def refresh(self, *, stale: SecretStr | None = None) -> OAuthToken:
        """Refresh under the lock unless another worker already did.

        ``stale``: an access token the vendor just refused (401); a stored token equal to it
        is refreshed even if its expiry looks fine.
        """
        with self.lock.hold(self.tenant, self.connection):
            token, ref = load_token(self.store, self.tenant, self.connection)
            self._check_usable(token)
            if not self._needs_refresh(token, stale):
                log.debug("token of %s/%s already refreshed", self.tenant, self.connection)
                return token
            return self._refresh_locked(token, ref)

    def _needs_refresh(self, token: OAuthToken, stale: SecretStr | None) -> bool:
        if token.expires_within(self.skew, self._clock()):
            return True
        return (
            stale is not None and stale.get_secret_value() == token.access_token.get_secret_value()
        )

    def _refresh_locked(self, token: OAuthToken, ref: CredentialRef) -> OAuthToken:
        try:
            body = self.endpoint.refresh(token.refresh_token)
        except ReauthorizationRequired as exc:
            return self._mark_reauth(token, ref, exc)
        new = token.refreshed(body, now=self._clock())
        stored = save_token(
            self.store, self.tenant, self.connection, new, expected_version=ref.version
        )
        log.info(
            "refreshed OAuth token of %s/%s (stored %s, expires %s)",
            self.tenant,
            self.connection,
            stored,
            new.expires_at.isoformat(),
        )
        return new

    def _mark_reauth(
        self, token: OAuthToken, ref: CredentialRef, exc: ReauthorizationRequired
    ) -> OAuthToken:
        try:
            save_token(
                self.store,
                self.tenant,
                self.connection,
                token.marked_for_reauth(),
                expected_version=ref.version,
            )
        except ConflictError:
            # Someone wrote a new token meanwhile (a worker that bypassed the lock, or a
            # person re-authorising): theirs wins if it is usable.
            current, _ = load_token(self.store, self.tenant, self.connection)
            if not current.needs_reauth and not current.expires_within(self.skew, self._clock()):
                return current
        log.warning(
            "OAuth provider refused the refresh token of %s/%s (invalid_grant): marked as "
            "needing re-authorisation",
            self.tenant,
            self.connection,
        )
        raise self._reauth_error() from exc

    def _check_usable(self, token: OAuthToken) -> None:
        if token.needs_reauth:
            raise self._reauth_error()

    def _reauth_error(self) -> ReauthorizationRequired:
        return ReauthorizationRequired(
            f"connection {self.tenant}/{self.connection} needs re-authorisation: the OAuth "
            "provider refused its refresh token (invalid_grant)",
            hint="run the provider's authorisation flow again and store the new token; "
            "refreshes stop until then",
        )
