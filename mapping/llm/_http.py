"""What both providers share: the httpx seam, error translation, retries, the reply cache.

Timeouts, 429 (honouring ``Retry-After``) and 5xx are retried with exponential backoff
(tenacity); other failures raise at once. The API key goes into a header only; it is
never part of a message, a cache key or a repr.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
from pydantic import SecretStr
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from canonical import (
    AdapterError,
    RateLimitError,
    VendorConnectionError,
    VendorServerError,
    error_class_for_status,
)
from mapping.llm._cache import ReplyCache, request_key
from mapping.llm._types import LLMReply, LLMRequest

__all__ = ["HttpLLMClient"]


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _is_retryable(exc: BaseException) -> bool:
    return isinstance(exc, AdapterError) and exc.retryable


class HttpLLMClient:
    """Base of the provider clients: subclasses build the body and read the reply."""

    provider = "llm"

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: SecretStr | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 60.0,
        max_attempts: int = 4,
        backoff: float = 1.0,
        max_wait: float = 30.0,
        cache: ReplyCache | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self._api_key = api_key
        self._http = httpx.Client(transport=transport, timeout=timeout)
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.max_wait = max_wait
        self.cache = cache
        self._sleep = sleep

    @property
    def name(self) -> str:
        return f"{self.provider}:{self.model}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, model={self.model!r})"

    def close(self) -> None:
        self._http.close()

    # subclass hooks -----------------------------------------------------------------
    def _url(self) -> str:
        raise NotImplementedError

    def _headers(self) -> dict[str, str]:
        raise NotImplementedError

    def _body(self, request: LLMRequest) -> dict[str, Any]:
        raise NotImplementedError

    def _reply(self, data: dict[str, Any]) -> LLMReply:
        raise NotImplementedError

    # the call -----------------------------------------------------------------------
    def complete(self, request: LLMRequest) -> LLMReply:
        """The reply from the cache, or from the provider with bounded retries."""
        url, body = self._url(), self._body(request)
        key = request_key(url, body)
        if self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                return hit
        retrying = Retrying(
            retry=retry_if_exception(_is_retryable),
            stop=stop_after_attempt(self.max_attempts),
            wait=self._wait,
            sleep=self._sleep,
            reraise=True,
        )
        reply: LLMReply = retrying(self._post, url, body)
        if self.cache is not None:
            self.cache.put(key, reply)
        return reply

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        if isinstance(exc, RateLimitError) and exc.retry_after is not None:
            return min(exc.retry_after, self.max_wait)
        return float(min(self.backoff * 2 ** (state.attempt_number - 1), self.max_wait))

    def _post(self, url: str, body: dict[str, Any]) -> LLMReply:
        try:
            response = self._http.post(url, json=body, headers=self._headers())
        except httpx.TimeoutException as exc:
            raise VendorConnectionError(
                f"{self.name} did not answer in time", hint="retry later or raise the timeout"
            ) from exc
        except httpx.TransportError as exc:
            raise VendorConnectionError(
                f"cannot reach {self.base_url}: {type(exc).__name__}",
                hint="check the base URL and the network",
            ) from exc
        if response.status_code >= 400:
            raise self._error(response)
        try:
            data = response.json()
        except ValueError as exc:
            raise VendorServerError(
                f"{self.name} answered with a body that is not JSON", status=response.status_code
            ) from exc
        if not isinstance(data, dict):
            raise VendorServerError(f"{self.name} answered with unexpected JSON")
        return self._reply(data)

    def _error(self, response: httpx.Response) -> AdapterError:
        status = response.status_code
        detail = _detail(response)
        message = f"{self.name} refused the request ({status}){detail}"
        if status == 429:
            return RateLimitError(message, retry_after=_retry_after(response), status=status)
        if status >= 500:
            return VendorServerError(message, status=status)
        cls = error_class_for_status(status)
        hint = "check the API key" if status in (401, 403) else "check the model name and options"
        return cls(message, status=status, hint=hint)


def _detail(response: httpx.Response) -> str:
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return ""
    text = error.get("message") if isinstance(error, dict) else error
    return f": {str(text)[:200]}" if text else ""
