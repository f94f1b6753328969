"""Benchmark: syncing 20,000 customers through Canonry vs paging them with the bare SDK.

For each vendor a loopback fake (``tests/fakes``) runs in its own process, seeded with
N customers (Stripe customers built from the real fixture; HubSpot contacts). In this
process, alternating rounds time:

* **bare SDK** - what a developer writes with the official SDK alone: stripe-python's
  ``client.v1.customers.list({"limit": 100}).auto_paging_iter()``; hubspot-api-client's
  ``crm.contacts.basic_api.get_page(limit=100, after=...)`` loop (typed model objects).
* **bare SDK, raw JSON** - the same SDK calls without building typed objects
  (stripe ``raw_request``; hubspot ``_preload_content=False`` + ``json.loads``): the floor.
* **Canonry** - ``Registry.sync(connection, stream)``: the adapter reads pages through the
  same SDK, the connection's default mapping turns every record into a validated canonical
  ``Customer``, and the cursor is committed to SQLite after every page. Timed from the
  ``sync`` call to the last object (database and connection set-up excluded).

    python benchmarks/adapters.py                 # 20,000 customers, 3 rounds
    python benchmarks/adapters.py --records 5000 --rounds 1

Reports records/s (best round) and Canonry's ratio to both; target: >= 70% of the typed SDK.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

PAGE = 100
HUBSPOT_PROPERTIES = ["email", "firstname", "lastname", "phone", "company", "lastmodifieddate"]

_SERVE = """
import sys
sys.path.insert(0, {repo!r})
from plugins.fakes import *
n = {records}
if {vendor!r} == "stripe":
    fake = StripeFake()
    for i in range(n):
        fake.create_customer(events=False, email=f"user{{i}}@example.com", name=f"User {{i}}")
else:
    fake = HubSpotFake()
    for i in range(n):
        fake.create("contacts", {{"email": f"user{{i}}@example.com", "firstname": "User",
                                  "lastname": str(i), "phone": "+1 555 0100"}})
print(fake.start().url, flush=True)
sys.stdin.read()
"""


@contextmanager
def served(vendor: str, records: int) -> Iterator[str]:
    """The vendor's fake in a child process; yields its URL, stops when the block ends."""
    script = _SERVE.format(repo=str(REPO), vendor=vendor, records=records)
    child = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        yield child.stdout.readline().strip()
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=30)


def bare_stripe(url: str) -> int:
    import stripe

    from plugins.fakes import STRIPE_API_KEY as API_KEY

    http = stripe.HTTPXClient(allow_sync_methods=True)
    client = stripe.StripeClient(API_KEY, base_addresses={"api": url}, http_client=http)
    return sum(1 for _ in client.v1.customers.list({"limit": PAGE}).auto_paging_iter())


def bare_hubspot(url: str) -> int:
    import hubspot

    from plugins.fakes import HUBSPOT_TOKEN as TOKEN

    api = hubspot.Client.create(access_token=TOKEN, host=url).crm.contacts.basic_api
    count, after = 0, None
    while True:
        page = api.get_page(limit=PAGE, after=after, properties=HUBSPOT_PROPERTIES)
        count += len(page.results)
        if page.paging is None or page.paging.next is None:
            return count
        after = page.paging.next.after


def raw_stripe(url: str) -> int:
    """The same SDK without typed objects: ``raw_request`` pages, JSON dicts only."""
    import stripe

    from plugins.fakes import STRIPE_API_KEY as API_KEY

    http = stripe.HTTPXClient(allow_sync_methods=True)
    client = stripe.StripeClient(API_KEY, base_addresses={"api": url}, http_client=http)
    count, after = 0, None
    while True:
        params = {"limit": PAGE, **({"starting_after": after} if after else {})}
        body = client.raw_request("get", "/v1/customers", **params).data
        count += len(body["data"])
        if not body["has_more"]:
            return count
        after = body["data"][-1]["id"]


def raw_hubspot(url: str) -> int:
    """The same SDK without model objects: ``_preload_content=False`` and ``json.loads``."""
    import json

    import hubspot

    from plugins.fakes import HUBSPOT_TOKEN as TOKEN

    api = hubspot.Client.create(access_token=TOKEN, host=url).crm.contacts.basic_api
    count, after = 0, None
    while True:
        response = api.get_page(
            limit=PAGE, after=after, properties=HUBSPOT_PROPERTIES, _preload_content=False
        )
        page = json.loads(response.data)
        count += len(page["results"])
        after = ((page.get("paging") or {}).get("next") or {}).get("after")
        if not after:
            return count


def canonry(vendor: str, url: str) -> int:
    """One full ``Registry.sync`` of the customers stream into a fresh SQLite database."""
    from adapters.hubspot import HubSpotAdapter
    from adapters.stripe import StripeAdapter
    from plugins.fakes import HUBSPOT_TOKEN as TOKEN
    from plugins.fakes import STRIPE_API_KEY as API_KEY
    from registry import Registry, create_engine, upgrade
    from vault import LocalCredentialStore, LocalKeyring

    if vendor == "stripe":
        adapters: dict[str, Any] = {"stripe": StripeAdapter}
        config, secrets, stream = {"api_base": url}, {"api_key": API_KEY}, "customers"
    else:
        adapters = {"hubspot": HubSpotAdapter}
        # the client-side limiter stays on, with limits this loopback fake can take
        limits = {"requests_per_10s": 100_000, "search_requests_per_second": 10_000}
        config, secrets, stream = {"base_url": url, **limits}, {"access_token": TOKEN}, "contacts"
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{tmp}/bench.db"
        engine = create_engine(db)
        upgrade(engine)
        store = LocalCredentialStore(engine, LocalKeyring.generate(), create_table=False)
        with Registry(db, tenant="bench", adapters=adapters, credentials=store) as reg:
            conn = reg.add_connection(f"bench-{vendor}", vendor, config, secrets)
            started = time.perf_counter()  # the sync only: not the database set-up
            count = sum(1 for _ in reg.sync(conn.id, stream))
            _SYNC_SECONDS.append(time.perf_counter() - started)
        engine.dispose()
    return count


_SYNC_SECONDS: list[float] = []


def best_rate(run: Callable[[], int], records: int, rounds: int) -> float:
    best = 0.0
    for _ in range(rounds):
        _SYNC_SECONDS.clear()
        started = time.perf_counter()
        got = run()
        seconds = _SYNC_SECONDS[0] if _SYNC_SECONDS else time.perf_counter() - started
        if got != records:
            raise SystemExit(f"expected {records} records, got {got}")
        best = max(best, records / seconds)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--vendors", nargs="+", default=["stripe", "hubspot"])
    args = parser.parse_args()
    os.environ["CANONRY_VENDOR_BASE_URLS"] = "http://127.0.0.1:*"  # the operator allows the fakes
    runners: dict[str, dict[str, Callable[[str], int]]] = {
        "sdk": {"stripe": bare_stripe, "hubspot": bare_hubspot},
        "raw": {"stripe": raw_stripe, "hubspot": raw_hubspot},
        "canonry": {
            "stripe": lambda u: canonry("stripe", u),
            "hubspot": lambda u: canonry("hubspot", u),
        },
    }
    print(
        f"python {sys.version.split()[0]}, {args.records:,} customers, page size {PAGE}, "
        f"best of {args.rounds} rounds"
    )
    print(
        "| vendor | bare SDK, typed objects | bare SDK, raw JSON | Canonry (Registry.sync) "
        "| Canonry / typed SDK | Canonry / raw SDK |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    failed = False
    for vendor in args.vendors:
        with served(vendor, args.records) as url:
            best = dict.fromkeys(runners, 0.0)
            for _ in range(args.rounds):  # alternate so drift hits every variant alike
                for name, per_vendor in runners.items():
                    run = lambda f=per_vendor[vendor], u=url: f(u)  # noqa: E731
                    best[name] = max(best[name], best_rate(run, args.records, 1))
        typed, raw = best["canonry"] / best["sdk"], best["canonry"] / best["raw"]
        failed |= typed < 0.70
        print(
            f"| {vendor} | {best['sdk']:,.0f}/s | {best['raw']:,.0f}/s | {best['canonry']:,.0f}/s "
            f"| {typed:.0%} | {raw:.0%} |",
            flush=True,
        )
    if failed:
        print("\nbelow the 70% target")
        raise SystemExit(1)


if __name__ == "__main__":
    main()
