"""A per-connection HubSpot client on ``hubspot-api-client``, answering with wire-format dicts.

Every call goes through the generated SDK (auth header, host, URL building, error classes)
with ``_preload_content=False``, so records stay in HubSpot's JSON shape (the shape the
mappings and webhooks use) instead of generated model objects. Around each call: the
connection's token-bucket limiter (HubSpot's 10-second burst limit, and the separate
search limit), and retries on 429 (waiting ``Retry-After``), 5xx and network errors.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import hubspot
import urllib3
from hubspot.crm.associations.v4.exceptions import ApiException as AssociationsApiException
from hubspot.crm.objects.exceptions import ApiException as ObjectsApiException
from pydantic import SecretStr
from urllib3.util.retry import Retry

from adapters._hosts import vendor_base_url
from adapters._http import RateLimiter, RetryPolicy
from adapters.hubspot._associations import read_all_associations
from adapters.hubspot._batch import read_all_objects
from adapters.hubspot._config import HUBSPOT_BASE_URL, HUBSPOT_HOSTS, HubSpotConfig
from adapters.hubspot._errors import translate_api_exception
from canonical import AdapterError, VendorConnectionError

__all__ = ["HubSpotClient"]

_API_ERRORS = (ObjectsApiException, AssociationsApiException)


class HubSpotClient:
    """The SDK client of one connection. Methods return HubSpot's JSON as dicts."""

    def __init__(
        self,
        access_token: SecretStr,
        config: HubSpotConfig | None = None,
        *,
        limiter: RateLimiter,
        search_limiter: RateLimiter,
        sleep: Callable[[float], None] = time.sleep,
        retry: RetryPolicy | None = None,
        connection_id: str = "local",
    ) -> None:
        self.config = config or HubSpotConfig()
        base = vendor_base_url(  # again here: the stored config may have been edited
            HUBSPOT_BASE_URL,
            self.config.base_url,
            vendor_hosts=HUBSPOT_HOSTS.hosts,
            connection_id=connection_id,
            field="base_url",
        )
        self.retry = retry or RetryPolicy(max_attempts=self.config.max_attempts)
        self.limiter = limiter
        self.search_limiter = search_limiter
        self._sleep = sleep
        sdk = hubspot.Client.create(
            access_token=access_token.get_secret_value(),
            host=base,
            retry=Retry(total=0, raise_on_status=False),  # retries happen here, observably
        )
        self._objects = sdk.crm.objects  # built once: each attribute access makes a pool
        self._basic = self._objects.basic_api
        self._search = self._objects.search_api
        self._batch = self._objects.batch_api
        self._associations = sdk.crm.associations.v4.batch_api

    def __repr__(self) -> str:
        return f"<HubSpotClient base_url={self.config.base_url!r}>"

    def close(self) -> None:
        """Drop the SDK's pooled connections (objects and associations clients)."""
        for api in (self._basic, self._associations):
            api.api_client.rest_client.pool_manager.clear()

    def list_page(
        self, object_type: str, *, properties: list[str], after: str | None, archived: bool
    ) -> dict[str, Any]:
        """``GET /crm/v3/objects/{type}``: one page (``results``, ``paging.next.after``)."""
        return self._call(
            f"listing {object_type}",
            self.limiter,
            self._basic.get_page,
            object_type,
            limit=min(self.config.page_size, 100),
            after=after,
            properties=properties,
            archived=archived,
        )

    def search(self, object_type: str, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /crm/v3/objects/{type}/search`` with filters, sorts, limit and ``after``."""
        self.limiter.acquire()
        return self._call(
            f"searching {object_type}",
            self.search_limiter,
            self._search.do_search,
            object_type,
            public_object_search_request=body,
        )

    def batch_read(
        self, object_type: str, ids: list[str], properties: list[str]
    ) -> list[dict[str, Any]]:
        """``POST /crm/v3/objects/{type}/batch/read`` (100 ids per call): the objects that
        exist, in ``ids`` order (a 207's other failures asked again, see ``_batch``)."""

        def fetch(chunk: list[str]) -> dict[str, Any]:
            body = {"inputs": [{"id": i} for i in chunk], "properties": properties}
            return self._call(
                f"reading {object_type}",
                self.limiter,
                self._batch.read,
                object_type,
                batch_read_input_simple_public_object_id=body,
                archived=False,
            )

        return read_all_objects(
            fetch,
            ids,
            what=object_type,
            max_attempts=self.retry.max_attempts,
            pause=lambda n: self._sleep(self.retry.wait(n)),
        )

    def associations(self, from_type: str, to_type: str, ids: list[str]) -> dict[str, list[str]]:
        """``POST /crm/v4/associations/{from}/{to}/batch/read``: id -> every associated id
        (each object's own paging followed; 207 errors asked again, see ``_associations``)."""
        action = f"reading {from_type}->{to_type} associations"

        def fetch(inputs: list[dict[str, str]]) -> dict[str, Any]:
            return self._call(
                action,
                self.limiter,
                self._associations.get_page,
                from_type,
                to_type,
                batch_input_public_fetch_associations_batch_request={"inputs": inputs},
            )

        return read_all_associations(
            fetch,
            ids,
            what=f"{from_type}->{to_type}",
            max_attempts=self.retry.max_attempts,
            pause=lambda n: self._sleep(self.retry.wait(n)),
        )

    # one call, limited and retried ------------------------------------------------------
    def _call(
        self, action: str, limiter: RateLimiter, fn: Callable[..., Any], *args: Any, **kw: Any
    ) -> dict[str, Any]:
        attempt = 1
        while True:
            limiter.acquire()
            try:
                return self._once(action, fn, *args, **kw)
            except AdapterError as exc:
                if not exc.retryable or attempt >= self.retry.max_attempts:
                    raise
                self._sleep(self.retry.wait(attempt, getattr(exc, "retry_after", None)))
                attempt += 1

    def _once(self, action: str, fn: Callable[..., Any], *args: Any, **kw: Any) -> dict[str, Any]:
        try:
            response = fn(*args, _preload_content=False, _request_timeout=self.config.timeout, **kw)
        except _API_ERRORS as exc:
            raise translate_api_exception(exc, action=action) from exc
        except urllib3.exceptions.HTTPError as exc:
            raise VendorConnectionError(
                f"could not reach HubSpot while {action}",
                hint="check the network and the connection's base_url",
            ) from exc
        try:
            data = json.loads(response.data)
        except ValueError as exc:
            raise AdapterError(f"HubSpot answered {action} with invalid JSON") from exc
        finally:
            response.release_conn()
        if not isinstance(data, dict):
            raise AdapterError(f"HubSpot answered {action} with a non-object", code="bad_shape")
        return data
