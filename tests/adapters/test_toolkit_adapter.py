"""A plugin author's adapter built on the toolkit, exercised through the ``http`` seam."""

from __future__ import annotations

from collections.abc import Iterator

import httpx

from adapters import (
    Adapter,
    CheckResult,
    Cursor,
    Page,
    RateLimiter,
    RetryPolicy,
    StreamSpec,
    VendorHTTPClient,
    paginate_cursor,
)
from canonical import AdapterError

CONTACTS = [{"id": str(n), "email": f"user{n}@example.test"} for n in range(8)]


def contacts_api(request: httpx.Request) -> httpx.Response:
    """A HubSpot-shaped fake: 401 on /me, contacts paged by ``after``."""
    if request.url.path == "/api/me":
        return httpx.Response(401, json={"message": "bad key"})
    start = int(request.url.params.get("after", "0"))
    end = start + int(request.url.params["limit"])
    body: dict[str, object] = {"results": CONTACTS[start:end]}
    if end < len(CONTACTS):
        body["paging"] = {"next": {"after": str(end)}}
    return httpx.Response(200, json=body)


class TinyCrm(Adapter):
    key = "tinycrm"
    display_name = "Tiny CRM"
    streams = (StreamSpec("customers", "Customer"),)

    def _client(self) -> VendorHTTPClient:
        return VendorHTTPClient(
            "https://tinycrm.test/api",
            client=self.http,
            retry=RetryPolicy(max_attempts=2, jitter=False),
            rate_limiter=RateLimiter.for_key(f"{self.key}:{self.connection_id}", rate=10, burst=5),
            sleep=lambda _: None,
        )

    def check(self) -> CheckResult:
        try:
            with self._client() as client:
                client.get_json("/me")
        except AdapterError as exc:
            return CheckResult.from_error(exc)
        return CheckResult.success()

    def read(self, stream: str, cursor: Cursor | None = None) -> Iterator[Page]:
        self.stream(stream)
        with self._client() as client:
            yield from paginate_cursor(
                client,
                "/contacts",
                {"limit": 3},
                start=cursor,
                records_path="results",
                next_path="paging.next.after",
                cursor_param="after",
            )


def test_an_adapter_built_on_the_toolkit_reads_through_the_http_seam() -> None:
    with httpx.Client(transport=httpx.MockTransport(contacts_api)) as http:
        adapter = TinyCrm(http=http)
        result = adapter.check()
        pages = list(adapter.read("customers"))
    assert (result.ok, result.details["status"]) == (False, 401)
    assert sum(len(p.records) for p in pages) == len(CONTACTS)
    assert pages[-1].cursor is None


def test_the_toolkit_adapter_resumes_from_a_saved_cursor() -> None:
    with httpx.Client(transport=httpx.MockTransport(contacts_api)) as http:
        adapter = TinyCrm(http=http, connection_id="conn_1")
        first = next(adapter.read("customers"))
        rest = list(adapter.read("customers", first.cursor))
    assert [r["id"] for r in first.records] == ["0", "1", "2"]
    assert [r["id"] for p in rest for r in p.records] == ["3", "4", "5", "6", "7"]
