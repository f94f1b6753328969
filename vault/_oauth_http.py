"""``TokenEndpoint``: the refresh-token grant (RFC 6749 section 6) over ``httpx``.

``invalid_grant`` raises ``ReauthorizationRequired``; 5xx, 429 and network failures are
retried with bounded exponential backoff, then raise a retryable ``TokenEndpointError``; any
other 4xx raises a terminal ``TokenEndpointError`` naming the OAuth error code. Messages and
logs carry the status and error code, never a token or the client secret.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, Literal

import httpx
from pydantic import SecretStr

from canonical import ConfigurationError, ReauthorizationRequired, TokenEndpointError

__all__ = ["ClientAuth", "TokenEndpoint"]

ClientAuth = Literal["client_secret_basic", "client_secret_post"]
log = logging.getLogger("canonry.vault.oauth")


class _Retry(Exception):
    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason, self.status = reason, status


class TokenEndpoint:
    """Posts refresh grants to one provider's token endpoint."""

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: SecretStr,
        *,
        http: httpx.Client | None = None,
        client_auth: ClientAuth = "client_secret_basic",
        attempts: int = 3,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not token_url.startswith(("https://", "http://")):
            raise ConfigurationError(f"token_url {token_url!r} is not an http(s) URL")
        if attempts < 1:
            raise ConfigurationError("attempts must be at least 1")
        self.token_url = token_url
        self.client_id = client_id
        self._client_secret = client_secret
        self._owns_http = http is None
        self._http = http or httpx.Client(timeout=10.0)
        self._client_auth = client_auth
        self._attempts = attempts
        self._backoff = backoff
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"TokenEndpoint({self.token_url!r}, client_id={self.client_id!r})"

    def close(self) -> None:
        """Close the HTTP client if this endpoint created it."""
        if self._owns_http:
            self._http.close()

    def refresh(self, refresh_token: SecretStr) -> dict[str, Any]:
        """The provider's JSON answer to a refresh grant; raises as the module says."""
        last: _Retry | None = None
        for attempt in range(1, self._attempts + 1):
            try:
                return self._post(refresh_token)
            except _Retry as retry:
                last = retry
                log.warning(
                    "token refresh attempt %d/%d failed: %s", attempt, self._attempts, retry.reason
                )
                if attempt < self._attempts:
                    self._sleep(self._backoff * 2 ** (attempt - 1))
        assert last is not None
        raise TokenEndpointError(
            f"the token endpoint failed {self._attempts} times ({last.reason})",
            status=last.status,
            retryable=True,
            hint="the provider may be down; try again later",
        )

    def _post(self, refresh_token: SecretStr) -> dict[str, Any]:
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token.get_secret_value()}
        headers = {"Accept": "application/json"}
        secret = self._client_secret.get_secret_value()
        try:
            if self._client_auth == "client_secret_basic":
                auth = httpx.BasicAuth(self.client_id, secret)
                response = self._http.post(self.token_url, data=form, auth=auth, headers=headers)
            else:
                form |= {"client_id": self.client_id, "client_secret": secret}
                response = self._http.post(self.token_url, data=form, headers=headers)
        except httpx.TransportError as exc:
            raise _Retry(type(exc).__name__) from exc
        return self._answer(response)

    def _answer(self, response: httpx.Response) -> dict[str, Any]:
        status = response.status_code
        if status >= 500 or status == 429:
            raise _Retry(f"HTTP {status}", status)
        body = _json(response)
        if status == 200 and body is not None:
            return body
        code = str(body.get("error"))[:64] if body and body.get("error") else f"http_{status}"
        if code == "invalid_grant":
            raise ReauthorizationRequired(
                "the OAuth provider refused the refresh token (invalid_grant)",
                hint="the grant was revoked or expired: authorise the connection again; "
                "refreshes stop until then",
            )
        raise TokenEndpointError(
            f"the token endpoint refused the refresh: {code} (HTTP {status})",
            status=status,
            code=code,
            hint="check client_id, client_secret and token_url for this provider",
        )


def _json(response: httpx.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None
