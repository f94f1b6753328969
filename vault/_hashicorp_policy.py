"""The least-privilege Vault policy for Canonry's token, rendered for its settings.

KV v2: create/read/update a credential (``data``), read its versions, list, and delete it
with all versions (``metadata``; ``connections remove`` needs it). Transit (optional): the
key must exist or be creatable, and encrypt/decrypt/rewrap; ``rotate`` only for
``canonry vault rotate``. The token's own lookup/renew/revoke paths are listed too, so the
policy works without Vault's ``default`` policy (``token_no_default_policy=true``).
"""

from __future__ import annotations

__all__ = ["minimal_policy"]

_SELF = ("lookup-self", "renew-self", "revoke-self")


def _path(path: str, *capabilities: str) -> str:
    caps = ", ".join(f'"{c}"' for c in capabilities)
    return f'path "{path}" {{\n  capabilities = [{caps}]\n}}\n'


def minimal_policy(
    mount: str = "secret",
    prefix: str = "canonry",
    *,
    transit_mount: str | None = None,
    transit_key: str = "canonry",
    rotate: bool = False,
) -> str:
    """HCL granting exactly what Canonry uses under ``mount``/``prefix`` (and Transit when
    ``transit_mount`` is given; ``rotate`` adds key rotation for ``canonry vault rotate``)."""
    parts = [
        _path(f"{mount}/data/{prefix}/*", "create", "read", "update"),
        _path(f"{mount}/metadata/{prefix}/*", "read", "list", "delete"),
    ]
    if transit_mount is not None:
        keys = f"{transit_mount}/keys/{transit_key}"
        parts.append(_path(keys, "create", "read", "update"))
        for op in ("encrypt", "decrypt", "rewrap"):
            parts.append(_path(f"{transit_mount}/{op}/{transit_key}", "update"))
        if rotate:
            parts.append(_path(f"{keys}/rotate", "update"))
    parts += [
        _path(f"auth/token/{op}", "read" if op == "lookup-self" else "update") for op in _SELF
    ]
    return "\n".join(parts)
