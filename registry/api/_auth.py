"""Bearer API keys: who a request speaks for, with a short cache (revocation wins within it)."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable

from sqlalchemy.engine import Engine

from registry._api_keys import KeyIdentity, authenticate
from registry.api._problems import ApiProblem

__all__ = ["KeyCache", "bearer_token"]

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="canonry"'}


def bearer_token(header: str | None) -> str:
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiProblem(
            401,
            "unauthorized",
            "send an API key as `Authorization: Bearer <key>` (create one with "
            "`canonry api-keys create`)",
            _CHALLENGE,
        )
    return token.strip()


class KeyCache:
    """Verified keys for ``ttl`` seconds (by a hash of the presented text, never the text)."""

    def __init__(
        self, engine: Engine, *, ttl: float = 1.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._engine, self._ttl, self._clock = engine, ttl, clock
        self._seen: dict[str, tuple[float, KeyIdentity | None]] = {}
        self._lock = threading.Lock()

    def identify(self, presented: str, scope: str) -> KeyIdentity:
        """The key's identity; 401 for any unknown, malformed or revoked key (the same
        answer for each), 403 when it lacks ``scope``."""
        digest = hashlib.sha256(presented.encode()).hexdigest()
        now = self._clock()
        with self._lock:
            hit = self._seen.get(digest)
        if hit is not None and now - hit[0] < self._ttl:
            identity = hit[1]
        else:
            identity = authenticate(self._engine, presented)
            with self._lock:
                if len(self._seen) > 10_000:
                    self._seen.clear()
                self._seen[digest] = (now, identity)
        if identity is None:
            raise ApiProblem(401, "unauthorized", "the API key is not valid", _CHALLENGE)
        if scope not in identity.scopes:
            raise ApiProblem(403, "forbidden", f"the API key lacks the scope {scope!r}")
        return identity
