"""``OAuthToken``: an OAuth 2 credential as stored in any ``CredentialStore``.

The payload is the store's usual dict of ``SecretStr``: ``access_token``, ``refresh_token``,
``expires_at`` (ISO 8601, UTC), ``token_type``, ``scope`` and the non-secret marker
``needs_reauth`` (``"true"`` once the provider refused the refresh token).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, SecretStr, ValidationError

from canonical import CredentialError, TokenEndpointError
from vault._store import CredentialRef, CredentialStore

__all__ = ["OAuthToken", "load_token", "save_token"]

DEFAULT_LIFETIME = timedelta(hours=1)


class OAuthToken(BaseModel):
    """Access and refresh token with their expiry; the repr shows no secret."""

    model_config = ConfigDict(frozen=True)

    access_token: SecretStr
    refresh_token: SecretStr
    expires_at: AwareDatetime
    token_type: str = "Bearer"  # noqa: S105 - a scheme name, not a secret
    scope: str | None = None
    needs_reauth: bool = False

    def expires_within(self, skew: timedelta, now: datetime) -> bool:
        """True when the access token is expired or expires within ``skew`` of ``now``."""
        return self.expires_at - skew <= now

    def to_payload(self) -> dict[str, SecretStr]:
        payload = {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": SecretStr(self.expires_at.astimezone(UTC).isoformat()),
            "token_type": SecretStr(self.token_type),
            "needs_reauth": SecretStr("true" if self.needs_reauth else "false"),
        }
        if self.scope:  # an empty scope is the same as none (and stores refuse empty values)
            payload["scope"] = SecretStr(self.scope)
        return payload

    @classmethod
    def from_payload(cls, payload: Mapping[str, SecretStr]) -> OAuthToken:
        """Parse a stored payload; ``CredentialError`` when it is not an OAuth token."""
        plain = {k: v.get_secret_value() for k, v in payload.items()}
        missing = {"access_token", "refresh_token", "expires_at"} - plain.keys()
        if missing:
            raise CredentialError(
                f"stored credential is not an OAuth token: missing {', '.join(sorted(missing))}",
                hint="store it with vault.save_token(...)",
            )
        try:
            return cls(
                access_token=SecretStr(plain["access_token"]),
                refresh_token=SecretStr(plain["refresh_token"]),
                expires_at=datetime.fromisoformat(plain["expires_at"]),
                token_type=plain.get("token_type") or "Bearer",
                scope=plain.get("scope"),
                needs_reauth=plain.get("needs_reauth") == "true",
            )
        except (ValueError, ValidationError) as exc:
            raise CredentialError(
                "stored OAuth token has an unreadable expires_at or fields",
                hint="store it again with vault.save_token(...)",
            ) from exc

    def refreshed(self, body: Mapping[str, Any], *, now: datetime) -> OAuthToken:
        """The token after a successful refresh answer (RFC 6749 section 5.1).

        A provider that does not rotate refresh tokens omits ``refresh_token``: keep ours.
        """
        access = body.get("access_token")
        if not isinstance(access, str) or not access:
            raise TokenEndpointError(
                "the token endpoint answered without an access_token",
                hint="check token_url points at the provider's token endpoint",
            )
        rotated = body.get("refresh_token")
        return OAuthToken(
            access_token=SecretStr(access),
            refresh_token=SecretStr(rotated)
            if isinstance(rotated, str) and rotated
            else self.refresh_token,
            expires_at=now + _lifetime(body.get("expires_in")),
            token_type=str(body.get("token_type") or self.token_type),
            scope=str(body["scope"]) if body.get("scope") else self.scope,
        )

    def marked_for_reauth(self) -> OAuthToken:
        return self.model_copy(update={"needs_reauth": True})


def _lifetime(expires_in: object) -> timedelta:
    try:
        seconds = int(str(expires_in))
    except ValueError:
        return DEFAULT_LIFETIME
    return timedelta(seconds=max(seconds, 0))


def load_token(
    store: CredentialStore, tenant: str, connection: str
) -> tuple[OAuthToken, CredentialRef]:
    """The stored token with the reference (version) it was read at."""
    payload, ref = store.get_with_ref(tenant, connection)
    return OAuthToken.from_payload(payload), ref


def save_token(
    store: CredentialStore,
    tenant: str,
    connection: str,
    token: OAuthToken,
    *,
    expected_version: int | None = None,
) -> CredentialRef:
    """Store ``token`` as the connection's credential (check-and-set with ``expected_version``)."""
    return store.put(tenant, connection, token.to_payload(), expected_version=expected_version)
