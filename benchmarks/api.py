"""Benchmark: unified API page reads next to the bare SQL query for the same pages.

A fresh SQLite database is filled with N canonical customers through the record store
(the same upsert a sync does). Then, interleaved per round:

* ``api``: a uvicorn subprocess serves ``registry.api.create_api_app``; one keep-alive
  client pages ``GET /v1/customers?limit=100`` from the start to the end (cursor after
  cursor), authenticated with a real API key: key check, rate limiter, query, body;
* ``bare SQL``: the same pages read with the listing query on a plain ``sqlite3``
  connection (``seq > ? ORDER BY seq LIMIT 101``), rows fetched and joined into a JSON
  text body that is decoded again, as any reader of a page decodes it; no HTTP.

* ``api, 4 readers``: four keep-alive connections (aiohttp) page the whole listing at once,
  as an application's readers overlap in production.

Reported: records/s over the whole listing and the p99 of one page's latency. Targets:
the API at >= 0.5x the bare query's rate (with overlapping readers; one sequential reader is
reported too: it pays a whole HTTP round trip per page that the bare query does not), p99
under 50 ms (one reader).

    python benchmarks/api.py                       # 100,000 and 1,000,000 records, 3 rounds
    python benchmarks/api.py --sizes 20000 --rounds 1   # quick
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path[:] = [str(REPO), *(p for p in sys.path if p != str(REPO))]

PAGE = 100
TARGET_RATIO = 0.5
TARGET_P99_MS = 50.0
READERS = 4
_SERVE = """
import sys, uvicorn
from registry.api import create_api_app
uvicorn.run(create_api_app(database_url=sys.argv[1]), host="127.0.0.1", port=int(sys.argv[2]),
            log_level="warning", access_log=False)
"""


def fill(url: str, records: int) -> str:
    """Migrate, add a connection and store ``records`` customers; an API key for them."""
    from sqlmodel import Session

    from canonical import Customer, Source
    from registry import Registry, create_engine, upgrade
    from registry._store import write_records
    from registry._store_rows import prepare
    from registry._tables import ConnectionRow, TenantRow

    engine = create_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        session.add(TenantRow(id="bench"))
        session.commit()
        session.add(ConnectionRow(id="c1", tenant="bench", name="shop", adapter="stripe",
                                  adapter_version="1"))  # fmt: skip
        session.commit()
    source = Source(adapter="stripe", connection_id="c1")
    now = datetime.now(UTC)
    for start in range(0, records, 5000):
        customers = [
            Customer(
                remote_id=f"cus_{i}",
                source=source,
                name=f"Customer {i}",
                email=f"user{i}@example.com",
            )
            for i in range(start, min(records, start + 5000))
        ]
        batch = [prepare(c, observed_at=now) for c in customers]
        with engine.begin() as conn:
            write_records(conn, batch, tenant="bench", connection_id="c1", stream="customers",
                          now=now)  # fmt: skip
    with Registry(url, tenant="bench", adapters={}) as reg:
        key = reg.api_keys.create("bench", rate_per_minute=1_000_000)[1].get_secret_value()
    engine.dispose()
    return key


def bare(path: str) -> tuple[int, list[float]]:
    """Page through with the listing query on plain sqlite3; (records, page seconds)."""
    conn = sqlite3.connect(path)
    query = (
        "SELECT seq, data FROM canonry_records WHERE tenant = ? AND model = ? AND seq > ? "
        "AND deleted = 0 ORDER BY seq LIMIT ?"
    )
    after, total, pages = 0, 0, []
    while True:
        started = time.perf_counter()
        rows = conn.execute(query, ("bench", "customer", after, PAGE + 1)).fetchall()
        body = json.loads('{"results":[' + ",".join(r[1] for r in rows[:PAGE]) + "]}")
        pages.append(time.perf_counter() - started)
        total += len(rows[:PAGE])
        if len(rows) <= PAGE or not body:
            conn.close()
            return total, pages
        after = rows[PAGE - 1][0]


def api(base: str, key: str) -> tuple[int, list[float]]:
    import httpx

    total, pages, cursor = 0, [], None
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}) as client:
        while True:
            params: dict[str, Any] = {"limit": PAGE, **({"cursor": cursor} if cursor else {})}
            started = time.perf_counter()
            response = client.get("/v1/customers", params=params)
            body = response.json()
            pages.append(time.perf_counter() - started)
            response.raise_for_status()
            total += len(body["results"])
            cursor = body["next_cursor"]
            if not body["has_more"]:
                return total, pages


def api_concurrent(base: str, key: str, readers: int) -> tuple[int, list[float]]:
    """``readers`` keep-alive connections, each paging the whole listing (aiohttp, one
    client process): the API's throughput when its readers overlap, as production's do."""
    import asyncio

    import aiohttp

    async def one(session: aiohttp.ClientSession, pages: list[float]) -> int:
        total, cursor = 0, None
        while True:
            params: dict[str, Any] = {"limit": PAGE, **({"cursor": cursor} if cursor else {})}
            started = time.perf_counter()
            async with session.get(f"{base}/v1/customers", params=params) as response:
                response.raise_for_status()
                body = json.loads(await response.read())
            pages.append(time.perf_counter() - started)
            total += len(body["results"])
            cursor = body["next_cursor"]
            if not body["has_more"]:
                return total

    async def run() -> tuple[int, list[float]]:
        pages: list[float] = []
        headers = {"Authorization": f"Bearer {key}"}
        async with aiohttp.ClientSession(headers=headers) as session:
            counts = await asyncio.gather(*(one(session, pages) for _ in range(readers)))
        return sum(counts), pages

    return asyncio.run(run())


def _server(url: str) -> tuple[subprocess.Popen[bytes], str]:
    from plugins.fakes import unused_port

    port = unused_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-c", _SERVE, url, str(port)], env=env)
    base = f"http://127.0.0.1:{port}"
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the API server did not start")


def _p99(pages: list[float]) -> float:
    return statistics.quantiles(pages, n=100)[98] * 1000 if len(pages) > 1 else pages[0] * 1000


def run(size: int, rounds: int) -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/api.db"
        url = f"sqlite:///{path}"
        started = time.perf_counter()
        key = fill(url, size)
        print(f"\n{size:,} customers stored in {time.perf_counter() - started:.1f} s")
        print("| round | reader | records | records/s | p50 page (ms) | p99 page (ms) |")
        print("|---:|---|---:|---:|---:|---:|")
        proc, base = _server(url)
        best: dict[str, tuple[float, float]] = {}
        try:
            for n in range(1, rounds + 1):
                readers = {
                    "bare SQL": (1, lambda: bare(path)),
                    "api": (1, lambda: api(base, key)),
                    f"api, {READERS} readers": (
                        READERS,
                        lambda: api_concurrent(base, key, READERS),
                    ),
                }
                for name, (expected, read) in readers.items():
                    began = time.perf_counter()
                    count, pages = read()
                    rate = count / (time.perf_counter() - began)
                    if count != size * expected:
                        raise SystemExit(f"{name} read {count} of {size * expected} records")
                    p50 = statistics.median(pages) * 1000
                    cells = f"{count:,} | {rate:,.0f} | {p50:.2f} | {_p99(pages):.2f}"
                    print(f"| {n} | {name} | {cells} |", flush=True)
                    if name not in best or rate > best[name][0]:
                        best[name] = (rate, _p99(pages))
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    single = best["api"][0] / best["bare SQL"][0]
    ratio = best[f"api, {READERS} readers"][0] / best["bare SQL"][0]
    p99 = best["api"][1]
    print(
        f"best api / bare SQL rate: one reader {single:.2f}, {READERS} readers {ratio:.2f} "
        f"(target >= {TARGET_RATIO}); api p99 {p99:.1f} ms (target < {TARGET_P99_MS:.0f} ms)"
    )
    return ratio >= TARGET_RATIO and p99 < TARGET_P99_MS


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, load {os.getloadavg()[0]:.1f}, page {PAGE}")
    ok = all([run(size, args.rounds) for size in args.sizes])
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
