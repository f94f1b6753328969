"""The unified API over HTTP: cursors, tenant isolation, keys, limits, ETags, problems."""

from __future__ import annotations

from typing import Any

from tests.registry.api.conftest import ApiEnv


def pages(api: ApiEnv, path: str, **params: str) -> tuple[list[dict[str, Any]], str]:
    results: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        query = {**params, "limit": "8", **({"cursor": cursor} if cursor else {})}
        response: Any = api.get(path, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == {"object", "results", "next_cursor", "has_more"}
        results += body["results"]
        cursor = body["next_cursor"]
        if not body["has_more"]:
            return results, cursor


def test_listing_then_the_cursor_returns_only_changes_with_tombstones(api: ApiEnv) -> None:
    first, cursor = pages(api, "/v1/customers")
    assert sorted(r["remote_id"] for r in first) == [f"c{n:03d}" for n in range(30)]
    assert all(r["source"]["connection_id"] == api.connection_id for r in first)

    api.vendor.upsert("c001", name="Changed")
    api.vendor.delete("c002")
    api.sync()
    changes, later = pages(api, "/v1/customers", cursor=cursor)
    assert {(r["remote_id"], r["remote_was_deleted"]) for r in changes} == {
        ("c001", False),
        ("c002", True),
    }
    assert pages(api, "/v1/customers", cursor=later)[0] == []
    live, _ = pages(api, "/v1/customers")
    assert "c002" not in {r["remote_id"] for r in live}


def test_filters_modified_after_and_money_as_strings(api: ApiEnv) -> None:
    found: Any = api.get("/v1/customers", params={"email": "C5@example.com"})
    assert [r["remote_id"] for r in found.json()["results"]] == ["c005"]
    future: Any = api.get("/v1/customers", params={"modified_after": "2999-01-01T00:00:00Z"})
    assert future.json()["results"] == []
    naive: Any = api.get("/v1/customers", params={"modified_after": "2020-01-01T00:00:00"})
    assert naive.status_code == 400
    assert naive.headers["content-type"] == "application/problem+json"
    assert "time zone" in naive.json()["detail"]


def test_another_tenants_record_is_as_absent_as_a_missing_one(api: ApiEnv) -> None:
    foreign = api.other.records("customers").records[0].id
    mine = api.reg.records("customers").records[0].id
    assert foreign != mine
    ours: Any = api.get(f"/v1/customers/{mine}")
    assert ours.status_code == 200
    assert ours.json()["id"] == mine
    theirs: Any = api.get(f"/v1/customers/{foreign}")
    nothing: Any = api.get("/v1/customers/00000000-0000-0000-0000-000000000000")
    assert theirs.status_code == nothing.status_code == 404
    strip = ("detail", "instance")
    assert {k: v for k, v in theirs.json().items() if k not in strip} == {
        k: v for k, v in nothing.json().items() if k not in strip
    }
    listed, _ = pages(api, "/v1/customers", include_deleted="true")
    assert foreign not in {r["id"] for r in listed}


def test_keys_missing_bad_revoked_and_their_single_answer(api: ApiEnv) -> None:
    missing: Any = api.client.get("/v1/customers")
    bad: Any = api.get("/v1/customers", key="cnry_0000_nope")
    garbage: Any = api.get("/v1/customers", key="not a key at all")
    for response in (missing, bad, garbage):
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
    assert bad.json() == garbage.json() | {"instance": "/v1/customers"}
    key_id = api.key.split("_")[1]
    api.reg.api_keys.revoke(key_id)
    api.clock.now += 1.5  # past the key cache
    revoked: Any = api.get("/v1/customers")
    assert revoked.status_code == 401


def test_rate_limit_answers_429_with_retry_after_then_recovers(api: ApiEnv) -> None:
    statuses = [api.get("/v1/customers", params={"limit": "1"}).status_code for _ in range(61)]  # type: ignore[attr-defined]
    assert statuses[:60] == [200] * 60
    assert statuses[60] == 429
    limited: Any = api.get("/v1/customers")
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1
    api.clock.now += float(limited.headers["retry-after"])
    assert api.get("/v1/customers").status_code == 200  # type: ignore[attr-defined]


def test_single_records_carry_etags_and_answer_304(api: ApiEnv) -> None:
    record_id = api.reg.records("customers").records[0].id
    first: Any = api.get(f"/v1/customers/{record_id}")
    etag = first.headers["etag"]
    again: Any = api.get(f"/v1/customers/{record_id}", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["etag"] == etag
    with_raw: Any = api.get(f"/v1/customers/{record_id}", params={"include_remote_data": "true"})
    assert with_raw.headers["etag"] != etag
    assert "remote_data" in with_raw.json()


def test_errors_are_problem_documents(api: ApiEnv) -> None:
    cases: list[tuple[Any, int]] = [
        (api.get("/v1/orders"), 404),
        (api.get("/v1/customers", params={"status": "paid"}), 400),
        (api.get("/v1/customers", params={"limit": "0"}), 400),
        (api.get("/v1/customers", params={"cursor": "x"}), 400),
        (api.get("/v1/customers", params={"expand": "customer"}), 400),
        (api.get("/v1/customers", params={"nope": "1"}), 400),
        (api.get("/v1/a/b/c"), 404),
        (api.client.post("/v1/customers", headers={"Authorization": f"Bearer {api.key}"}), 405),
    ]
    for response, status in cases:
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body["status"] == status
        assert body["type"].startswith("https://")


def test_openapi_metrics_health(api: ApiEnv) -> None:
    document: Any = api.client.get("/openapi.json")
    spec = document.json()
    assert spec["openapi"] == "3.1.0"
    assert {"/v1/customers", "/v1/invoices/{id}", "/v1/events"} <= set(spec["paths"])
    assert {"Customer", "Invoice", "Event", "Problem"} <= set(spec["components"]["schemas"])
    assert "/openapi.json" in api.client.get("/docs").text
    assert api.client.get("/healthz").json() == {"status": "ok"}
    assert api.client.get("/readyz").status_code == 200
    api.get("/v1/customers")
    metrics = api.client.get("/metrics").text
    assert 'canonry_api_requests_total{route="/v1/{collection}",status="200"}' in metrics
