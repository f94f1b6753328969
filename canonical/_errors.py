"""The exception tree shared by every Canonry package.

    CanonryError
    ├── ConfigurationError          bad settings, environment or arguments
    ├── ValidationFailed            input that does not fit a model (carries the pydantic errors)
    ├── MappingError                a mapping that cannot load or a record it cannot map
    ├── SchemaError                 schema export, drift or payload-upgrade problems
    ├── CurrencyMismatchError       arithmetic or comparison across two currencies
    ├── CredentialError             the credential store and its keys
    │   ├── KeyNotFoundError        a ciphertext needs a key the keyring does not hold
    │   ├── DecryptionError         tampered, moved or wrongly keyed ciphertext
    │   ├── ConflictError           a concurrent write won (check-and-set)
    │   ├── VaultUnavailableError   HashiCorp Vault sealed, down or unreachable (retryable)
    │   ├── TokenEndpointError      an OAuth token endpoint refused or failed a refresh
    │   └── ReauthorizationRequired the provider refused the refresh token (invalid_grant)
    ├── AdapterError                anything that went wrong talking to a vendor
    │   ├── AuthenticationError     credentials refused (401)
    │   ├── PermissionDeniedError   credentials lack a scope (403)
    │   ├── NotFoundError           the vendor object does not exist (404)
    │   ├── InvalidRequestError     the vendor refused the request as malformed (400/422)
    │   ├── RateLimitError          429; carries retry_after
    │   ├── VendorServerError       5xx
    │   └── VendorConnectionError   network failure or timeout
    ├── PluginError                 a plugin that cannot load or is incompatible
    ├── WebhookVerificationError    a delivery whose signature or timestamp does not verify
    └── NotFoundInRegistry          a tenant, connection or record Canonry does not hold

Every error carries ``retryable``: whether trying the same thing again later may succeed.
Policy code reads that attribute; it never parses messages. Foreign exceptions are
translated at the boundary with ``raise OurError(...) from exc``. Messages never contain
secret values.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AdapterError",
    "AuthenticationError",
    "CanonryError",
    "ConfigurationError",
    "ConflictError",
    "CredentialError",
    "CurrencyMismatchError",
    "DecryptionError",
    "InvalidRequestError",
    "KeyNotFoundError",
    "MappingError",
    "NotFoundError",
    "NotFoundInRegistry",
    "PermissionDeniedError",
    "PluginError",
    "RateLimitError",
    "ReauthorizationRequired",
    "SchemaError",
    "TokenEndpointError",
    "ValidationFailed",
    "VaultUnavailableError",
    "VendorConnectionError",
    "VendorServerError",
    "WebhookVerificationError",
    "error_class_for_status",
]


class CanonryError(Exception):
    """Root of every error Canonry raises on purpose."""

    retryable: bool = False

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message} ({self.hint})"
        return self.message


class ConfigurationError(CanonryError):
    """Settings, environment variables or arguments that cannot work."""


class ValidationFailed(CanonryError):
    """Input that does not satisfy a model; ``errors`` holds pydantic's error list."""

    def __init__(
        self, message: str, *, errors: list[dict[str, Any]] | None = None, hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.errors = errors or []


class MappingError(CanonryError):
    """A mapping that cannot load, or a record a mapping cannot turn into a canonical object.

    ``rule`` names the target field of the failing rule, ``path`` the vendor source path and
    ``value`` a short repr of the offending value (never a secret: mapped records are data).
    """

    def __init__(
        self,
        message: str,
        *,
        rule: str | None = None,
        path: str | None = None,
        value: Any = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.rule = rule
        self.path = path
        self.value = value


class SchemaError(CanonryError):
    """Schema export, drift detection or upgrading a stored payload failed."""


class CurrencyMismatchError(CanonryError):
    """Money arithmetic or comparison across two currencies; ``left``/``right`` are the codes."""

    def __init__(self, operation: str, left: str, right: str) -> None:
        super().__init__(
            f"cannot {operation} {left} and {right}: the amounts are in different currencies",
            hint="convert one amount to the other's currency first",
        )
        self.operation = operation
        self.left = left
        self.right = right


class CredentialError(CanonryError):
    """The credential store, its keys or a stored secret."""


class KeyNotFoundError(CredentialError):
    """A ciphertext was wrapped with a key the keyring does not hold."""

    def __init__(self, key_id: str, *, hint: str | None = None) -> None:
        super().__init__(
            f"encryption key {key_id!r} is not in the keyring",
            hint=hint
            or "add it to the key file or CANONRY_MASTER_KEYS; secrets written under it "
            "cannot be read without it",
        )
        self.key_id = key_id


class DecryptionError(CredentialError):
    """A ciphertext failed authentication: tampered, moved to another owner, or wrong key."""


class ConflictError(CredentialError):
    """A concurrent writer changed the secret first (check-and-set lost); re-read and retry."""

    retryable = True


class VaultUnavailableError(CredentialError):
    """HashiCorp Vault is sealed, down or unreachable; trying again later may succeed."""

    retryable = True


class TokenEndpointError(CredentialError):
    """An OAuth token endpoint failed a refresh; ``code`` is its OAuth error code, if any.

    5xx answers and network failures are ``retryable``; other 4xx answers are terminal.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        retryable: bool = False,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.code = code
        self.retryable = retryable


class ReauthorizationRequired(CredentialError):
    """The OAuth provider refused the refresh token; a person must authorise again."""


class AdapterError(CanonryError):
    """A vendor call failed. ``status`` is the HTTP status when there was one."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        retryable: bool | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.code = code
        self.request_id = request_id
        if retryable is not None:
            self.retryable = retryable


class AuthenticationError(AdapterError):
    """The vendor refused the credentials."""


class PermissionDeniedError(AdapterError):
    """The credentials are valid but lack permission for this call."""


class NotFoundError(AdapterError):
    """The vendor object does not exist."""


class InvalidRequestError(AdapterError):
    """The vendor refused the request as malformed."""


class RateLimitError(AdapterError):
    """The vendor rate-limited the call; ``retry_after`` is in seconds when it said."""

    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class VendorServerError(AdapterError):
    """The vendor failed (5xx)."""

    retryable = True


class VendorConnectionError(AdapterError):
    """The vendor could not be reached, or did not answer in time."""

    retryable = True


class PluginError(CanonryError):
    """A plugin that cannot load, crashed while loading, or targets another adapter API."""


class WebhookVerificationError(CanonryError):
    """A webhook delivery whose signature, timestamp or shape does not verify.

    ``reason`` is a short machine-readable label (``bad_signature``, ``stale_timestamp``, ...).
    """

    def __init__(self, message: str, *, reason: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.reason = reason


class NotFoundInRegistry(CanonryError):
    """A tenant, connection or stored record that does not exist (or is another tenant's)."""


_BY_STATUS: dict[int, type[AdapterError]] = {
    400: InvalidRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: InvalidRequestError,
    410: NotFoundError,
    422: InvalidRequestError,
    429: RateLimitError,
}


def error_class_for_status(status: int) -> type[AdapterError]:
    """The error class for a vendor's HTTP error status: the one table every client uses."""
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status >= 500:
        return VendorServerError
    if 400 <= status < 500:
        return InvalidRequestError
    return AdapterError
