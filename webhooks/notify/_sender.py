"""One attempt to deliver a signed notification: sender hygiene in one place.

Standard Webhooks signature (``webhooks.signatures.sign_standard``, the same scheme Canonry
verifies), POST with a timeout for connecting and one for the whole attempt, no redirects
followed (a 3xx is a failed attempt), no compression asked for, at most
``max_response_bytes`` of the answer read (the rest is dropped), every connection through
the SSRF guard (``GuardedTransport``). The secret is only ever in the signature header:
not in errors, logs or the recorded answer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from pydantic import SecretStr

from webhooks.notify._guard import (
    GuardedTransport,
    Resolver,
    TargetRefused,
    check_endpoint_url,
    system_resolver,
)
from webhooks.notify._settings import NotifySettings
from webhooks.signatures import sign_standard

__all__ = ["USER_AGENT", "Attempt", "Sender"]

USER_AGENT = "Canonry-Webhooks/1.0"
_KEPT = 1000  # characters of an answer kept for diagnosis


@dataclass(frozen=True)
class Attempt:
    """What one attempt got: ``ok`` is a 2xx answer."""

    ok: bool
    status_code: int | None = None
    error: str | None = None
    response: str | None = None
    retry_after: float | None = None
    seconds: float = 0.0
    refused: bool = False
    """The SSRF guard refused the target (no connection was made)."""


def _retry_after(response: httpx.Response) -> float | None:
    raw = response.headers.get("retry-after", "").strip()
    return float(raw) if raw.isdigit() else None


class Sender:
    """Signs and sends notifications over one connection pool (thread-safe)."""

    def __init__(
        self,
        settings: NotifySettings,
        *,
        resolver: Resolver = system_resolver,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.clock = clock
        transport = GuardedTransport(allow_private=settings.allow_private, resolver=resolver)
        self._client = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(settings.timeout, connect=settings.connect_timeout),
            follow_redirects=False,
            trust_env=False,
            headers={"user-agent": USER_AGENT, "accept-encoding": "identity"},
        )

    def close(self) -> None:
        self._client.close()

    def send(self, url: str, body: bytes, secret: SecretStr, *, msg_id: str) -> Attempt:
        """POST ``body`` to ``url`` signed with ``secret`` as message ``msg_id``."""
        started = time.monotonic()
        try:
            checked = check_endpoint_url(
                url, allow_http=self.settings.allow_http, allow_private=True
            )  # addresses: at connect time
        except Exception as exc:  # a ValidationFailed: the URL is no longer allowed
            return Attempt(ok=False, error=str(exc), refused=True)
        headers = sign_standard(body, secret.get_secret_value(), msg_id=msg_id,
                                timestamp=int(self.clock()))  # fmt: skip
        headers["content-type"] = "application/json"
        try:
            return self._post(checked, body, headers, started)
        except httpx.TimeoutException:
            error = f"timed out (limit {self.settings.timeout:g} s)"
            return Attempt(ok=False, error=error, seconds=time.monotonic() - started)
        except httpx.HTTPError as exc:
            refused = isinstance(exc.__cause__, TargetRefused) or isinstance(exc, TargetRefused)
            error = f"{type(exc).__name__}: {exc}"[:500]
            return Attempt(ok=False, error=error, refused=refused,
                           seconds=time.monotonic() - started)  # fmt: skip

    def _post(self, url: str, body: bytes, headers: dict[str, str], started: float) -> Attempt:
        deadline = started + self.settings.timeout
        with self._client.stream("POST", url, content=body, headers=headers) as response:
            raw = bytearray()
            for chunk in response.iter_raw():
                raw += chunk
                if len(raw) >= self.settings.max_response_bytes or time.monotonic() > deadline:
                    break
        status = response.status_code
        text = raw[: self.settings.max_response_bytes].decode("utf-8", "replace")[:_KEPT]
        error = None
        if 300 <= status < 400:
            error = f"redirect to {response.headers.get('location', '?')!r} not followed"
        elif not 200 <= status < 300:
            error = f"the endpoint answered {status}"
        return Attempt(
            ok=200 <= status < 300, status_code=status, error=error, response=text or None,
            retry_after=_retry_after(response), seconds=time.monotonic() - started,
        )  # fmt: skip
