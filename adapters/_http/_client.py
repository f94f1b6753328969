"""``VendorHTTPClient``: httpx with retries (tenacity), rate limiting and canonical errors.

For adapters whose vendor has no SDK worth using. One client per connection; it builds
absolute URLs from ``base_url`` itself, so an injected ``httpx.Client`` (the test seam)
works the same as the one it creates. Absolute URLs (a ``Link: rel="next"``) must stay
on the base URL's origin: credentials are never sent to another host.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, Self

import httpx
import tenacity

from adapters._http._ratelimit import RateLimiter
from adapters._http._retry import RetryAction, RetryPolicy, parse_retry_after
from adapters._http._translate import (
    DEFAULT_REQUEST_ID_HEADERS,
    describe_request,
    error_from_response,
    error_from_transport,
)
from canonical import AdapterError, ConfigurationError

__all__ = ["VendorHTTPClient", "decode_json"]

logger = logging.getLogger("canonry.adapters.http")

_SEND_KWARGS = ("auth", "follow_redirects")


class VendorHTTPClient:
    """A small, typed facade over ``httpx.Client`` for one vendor connection.

    ``request`` returns the successful response or raises the canonical error for the
    final failure: ``AuthenticationError`` (401), ``PermissionDeniedError`` (403),
    ``NotFoundError`` (404), ``InvalidRequestError`` (400/409/422, other 4xx),
    ``RateLimitError`` (429), ``VendorServerError`` (5xx), ``VendorConnectionError``
    (timeouts, refused or broken connections).
    """

    def __init__(
        self,
        base_url: str,
        *,
        headers: dict[str, str] | None = None,
        auth: httpx.Auth | None = None,
        timeout: float | httpx.Timeout = 30.0,
        retry: RetryPolicy | None = None,
        rate_limiter: RateLimiter | None = None,
        client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        request_id_headers: tuple[str, ...] = DEFAULT_REQUEST_ID_HEADERS,
    ) -> None:
        if client is not None and transport is not None:
            raise ConfigurationError(
                "VendorHTTPClient takes a client or a transport, not both",
                hint="pass transport= to let it build the client, or a ready client=",
            )
        self.base_url = _base_url(base_url)
        self.retry = retry or RetryPolicy()
        self.rate_limiter = rate_limiter
        self._headers = httpx.Headers(headers or {})
        self._auth = auth
        self._timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        self._sleep = sleep
        self._request_id_headers = request_id_headers
        self._owns_client = client is None
        self._client = client or httpx.Client(transport=transport, timeout=self._timeout)

    def __repr__(self) -> str:
        return f"<VendorHTTPClient {self.base_url}>"

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the underlying client if this object created it (an injected one is not)."""
        if self._owns_client:
            self._client.close()

    # requests ------------------------------------------------------------------------
    def url(self, path: str) -> httpx.URL:
        """The absolute URL for ``path`` (relative to ``base_url``, or absolute same-origin)."""
        target = httpx.URL(path)
        if target.is_absolute_url:
            if _origin(target) != _origin(self.base_url):
                raise ConfigurationError(
                    f"refusing to send a request for {self.base_url.host} to {target.host}",
                    hint="absolute URLs must stay on the client's base URL origin",
                )
            return target
        return self.base_url.copy_with(
            raw_path=self.base_url.raw_path + target.raw_path.lstrip(b"/")
        )

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Send with rate limiting and retries; return a 1xx-3xx response or raise.

        ``kwargs`` are ``httpx.Client.request``'s (params, json, content, headers, auth...);
        ``headers`` are merged over the client's.
        """
        send_kwargs = {key: kwargs.pop(key) for key in _SEND_KWARGS if key in kwargs}
        if self._auth is not None:
            send_kwargs.setdefault("auth", self._auth)
        request = self._build(method.upper(), path, kwargs)
        keyed = "idempotency-key" in request.headers
        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.retry.max_attempts),
            retry=lambda state: self._should_retry(state, request.method, keyed),
            wait=self._wait,
            sleep=self._sleep,
            before_sleep=lambda state: self._log_retry(state, request),
            retry_error_callback=_last_outcome,
        )
        try:
            response: httpx.Response = retrying(self._send_once, request, send_kwargs)
        except httpx.HTTPError as exc:
            retryable = self.retry.transport_retryable(exc)
            raise error_from_transport(exc, request, retryable=retryable) from exc
        if response.is_error:
            raise self._error(response)
        return response

    def get_json(self, path: str, params: Mapping[str, Any] | None = None, **kwargs: Any) -> Any:
        """GET ``path`` and return its decoded JSON body."""
        return decode_json(self.request("GET", path, params=params, **kwargs))

    def _build(self, method: str, path: str, kwargs: dict[str, Any]) -> httpx.Request:
        headers = self._headers.copy()
        headers.update(kwargs.pop("headers", None) or {})
        kwargs.setdefault("timeout", self._timeout)
        try:
            return self._client.build_request(method, self.url(path), headers=headers, **kwargs)
        except (TypeError, httpx.InvalidURL) as exc:
            raise ConfigurationError(
                f"cannot build the request {method} {httpx.URL(path).path}: {exc}",
                hint="pass httpx.Client.request arguments only",
            ) from exc

    def _send_once(self, request: httpx.Request, send_kwargs: dict[str, Any]) -> httpx.Response:
        if self.rate_limiter is not None:
            delay = self.rate_limiter.reserve()
            if delay > 0:
                self._sleep(delay)
        return self._client.send(request, **send_kwargs)

    # tenacity hooks ------------------------------------------------------------------
    def _should_retry(self, state: tenacity.RetryCallState, method: str, keyed: bool) -> bool:
        outcome = state.outcome
        if outcome is None:
            return False
        if outcome.failed:
            exc = outcome.exception()
            return exc is not None and self.retry.retries_exception(method, exc, keyed=keyed)
        response: httpx.Response = outcome.result()
        if not response.is_error:
            return False
        retry_after = _retry_after(response)
        return self.retry.retries_status(method, response.status_code, retry_after, keyed=keyed)

    def _wait(self, state: tenacity.RetryCallState) -> float:
        outcome = state.outcome
        retry_after = None
        if outcome is not None and not outcome.failed:
            retry_after = _retry_after(outcome.result())
        return self.retry.wait(state.attempt_number, retry_after)

    def _log_retry(self, state: tenacity.RetryCallState, request: httpx.Request) -> None:
        outcome = state.outcome
        if outcome is None:
            return
        if outcome.failed:
            why = type(outcome.exception()).__name__
        else:
            response: httpx.Response = outcome.result()
            why = f"HTTP {response.status_code}"
            response.close()  # release the connection before sleeping
        logger.warning(
            "retrying %s after %s (attempt %d of %d), waiting %.2fs",
            describe_request(request),
            why,
            state.attempt_number,
            self.retry.max_attempts,
            state.upcoming_sleep,
        )

    def _error(self, response: httpx.Response) -> AdapterError:
        retry_after = _retry_after(response)
        return error_from_response(
            response,
            retryable=self.retry.action_for(response.status_code) is RetryAction.RETRY,
            retry_after=retry_after,
            request_id_headers=self._request_id_headers,
        )


def decode_json(response: httpx.Response) -> Any:
    """The JSON body of a successful response; a canonical error if it is not JSON."""
    try:
        return response.json()
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise AdapterError(
            f"{describe_request(response.request)} returned a body that is not JSON "
            f"(content-type {response.headers.get('content-type', 'missing')!r})",
            status=response.status_code,
            code="invalid_json",
            retryable=False,
            hint="check the base URL points at the vendor's API, not a web page or proxy",
        ) from exc


def _last_outcome(state: tenacity.RetryCallState) -> Any:
    """After the last attempt: return its response, or re-raise its exception."""
    assert state.outcome is not None  # tenacity sets it before deciding to stop
    return state.outcome.result()


def _retry_after(response: httpx.Response) -> float | None:
    return parse_retry_after(response.headers.get("retry-after"))


def _base_url(value: str) -> httpx.URL:
    url = httpx.URL(value)
    if not url.is_absolute_url or url.scheme not in {"http", "https"}:
        raise ConfigurationError(
            f"base_url must be an absolute http(s) URL, got scheme {url.scheme!r}",
            hint="for example https://api.vendor.com/v1",
        )
    path = url.raw_path.split(b"?")[0]
    return url.copy_with(raw_path=path if path.endswith(b"/") else path + b"/")


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port
