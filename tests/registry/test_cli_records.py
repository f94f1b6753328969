"""``canonry records`` and ``canonry api-keys``: the replica and its keys from the CLI."""

from __future__ import annotations

import json

import httpx

from registry import create_engine
from registry.api import create_api_app
from tests.registry.api.server import served
from tests.registry.cli import canonry


def test_sync_then_records_list_show_count(billing: str) -> None:
    code, _, err = canonry("sync", billing, "customers")
    assert code == 0, err
    code, out, _ = canonry("records", "count", "customers", "--json")
    assert (code, json.loads(out)) == (0, {"count": 250})
    code, out, _ = canonry("records", "list", "customers", "--limit", "100", "--json")
    page = json.loads(out)
    assert len(page["results"]) == 100
    assert page["has_more"] is True
    code, out, _ = canonry("records", "list", "customers", "--cursor", page["next_cursor"])
    assert code == 0
    assert "next cursor:" in out
    first = page["results"][0]
    code, out, _ = canonry("records", "show", "customers", first["id"])
    assert json.loads(out)["remote_id"] == first["remote_id"]
    code, _, err = canonry("records", "show", "customers", "nope")
    assert code == 3
    assert "no customer record" in err
    code, _, err = canonry("records", "list", "customers", "--filter", "status=paid")
    assert code == 2
    assert "not a filter of customer" in err


def test_api_keys_create_once_list_without_secret_revoke(
    initialised: dict[str, str],
) -> None:
    code, out, err = canonry("api-keys", "create", "--name", "app")
    assert code == 0, err
    key = out.strip()
    assert key.startswith("cnry_")
    assert "shown only now" in err
    code, out, _ = canonry("api-keys", "list", "--json")
    listed = json.loads(out)
    assert [k["name"] for k in listed] == ["app"]
    assert key.split("_", 2)[2] not in out  # the secret part (it may hold "_") is never listed

    engine = create_engine(initialised["CANONRY_DATABASE_URL"])
    try:
        app = create_api_app(engine, key_cache_seconds=0)
        with served(app) as url:
            auth = {"Authorization": f"Bearer {key}"}
            assert httpx.get(f"{url}/v1/customers", headers=auth).status_code == 200
            code, out, _ = canonry("api-keys", "revoke", listed[0]["id"])
            assert code == 0
            assert httpx.get(f"{url}/v1/customers", headers=auth).status_code == 401
    finally:
        engine.dispose()
    code, _, err = canonry("api-keys", "revoke", "missing")
    assert code == 3
