"""Translate ``hvac`` and ``requests`` exceptions into Canonry's exception tree.

Only Vault's own error strings (``{"errors": [...]}``), the Vault address (without any
user-info) and the logical path reach a message; tokens and secret ids never do.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import hvac.exceptions as hvac_exc
import requests

from canonical import (
    CanonryError,
    ConfigurationError,
    ConflictError,
    CredentialError,
    NotFoundInRegistry,
    VaultUnavailableError,
)

__all__ = ["safe_addr", "translate_vault_error", "vault_errors", "vault_messages"]


def safe_addr(addr: str) -> str:
    """The Vault URL without user-info, for messages."""
    parts = urlsplit(addr)
    host = parts.netloc.rsplit("@", 1)[-1]
    return f"{parts.scheme}://{host}"


def vault_messages(exc: hvac_exc.VaultError) -> str:
    """Vault's ``errors`` list as one short string."""
    errors = exc.errors if isinstance(exc.errors, list) else [exc.errors or exc.message or ""]
    text = "; ".join(str(e) for e in errors if e)
    return text[:300] or f"HTTP error {type(exc).__name__}"


def _unavailable(exc: hvac_exc.VaultError, addr: str) -> CanonryError:
    text = vault_messages(exc)
    if "sealed" in text.lower():
        return VaultUnavailableError(
            f"Vault at {addr} is sealed",
            hint="unseal it (vault operator unseal) or wait for auto-unseal, then retry",
        )
    return VaultUnavailableError(
        f"Vault at {addr} is unavailable: {text}", hint="retry later; check Vault's status"
    )


def _forbidden(path: str) -> CanonryError:
    return CredentialError(
        f"Vault refused access to {path!r}: the token lacks a policy for it",
        hint="grant the token's policy the needed capabilities on that path (the README "
        "lists the minimal policy; vault.minimal_policy renders it)",
    )


def _misconfigured(exc: hvac_exc.VaultError, path: str) -> CanonryError | None:
    """A 404 that is not "no secret here" but a wrong mount or namespace."""
    text = vault_messages(exc).lower()
    if "namespace not found" in text:
        return ConfigurationError(
            "Vault has no such namespace",
            hint="check VAULT_NAMESPACE (unset it for the root namespace)",
        )
    if "no handler for route" in text:
        mount = path.split("/", 1)[0]
        return ConfigurationError(
            f"Vault has no secrets engine or auth method mounted at {mount!r} "
            f"(needed for {path!r})",
            hint="check CANONRY_VAULT_MOUNT (a KV version 2 mount), CANONRY_VAULT_TRANSIT_MOUNT "
            "and VAULT_NAMESPACE",
        )
    return None


def translate_vault_error(exc: Exception, *, addr: str, path: str) -> CanonryError:
    """Our exception for a failed Vault call on ``path`` (a logical path, never a secret)."""
    where = safe_addr(addr)
    if isinstance(exc, requests.exceptions.SSLError):
        return CredentialError(
            f"TLS verification failed for Vault at {where}",
            hint="set VAULT_CACERT to the CA bundle that signed Vault's certificate",
        )
    if isinstance(exc, requests.exceptions.RequestException):
        return VaultUnavailableError(
            f"cannot reach Vault at {where} ({type(exc).__name__})",
            hint="check VAULT_ADDR and that Vault is running and reachable from here",
        )
    if isinstance(exc, hvac_exc.VaultDown | hvac_exc.VaultNotInitialized):
        return _unavailable(exc, where)
    if isinstance(exc, hvac_exc.Forbidden):
        return _forbidden(path)
    if isinstance(exc, hvac_exc.InvalidPath):
        return _misconfigured(exc, path) or NotFoundInRegistry(
            f"nothing stored in Vault at {path!r}"
        )
    if isinstance(exc, hvac_exc.InvalidRequest) and "check-and-set" in vault_messages(exc):
        return ConflictError(
            f"the secret at {path!r} was changed by another writer",
            hint="re-read it and apply your change to the current version",
        )
    if isinstance(
        exc,
        hvac_exc.InternalServerError
        | hvac_exc.BadGateway
        | hvac_exc.RateLimitExceeded
        | hvac_exc.UnexpectedError,
    ):
        return VaultUnavailableError(f"Vault at {where} failed: {vault_messages(exc)}")
    if isinstance(exc, hvac_exc.VaultError):
        return CredentialError(f"Vault rejected the request for {path!r}: {vault_messages(exc)}")
    return CredentialError(f"unexpected failure talking to Vault at {where}: {type(exc).__name__}")


@contextmanager
def vault_errors(*, addr: str, path: str) -> Iterator[None]:
    """Re-raise hvac/requests exceptions from the block as Canonry errors."""
    try:
        yield
    except (hvac_exc.VaultError, requests.exceptions.RequestException) as exc:
        raise translate_vault_error(exc, addr=addr, path=path) from exc
