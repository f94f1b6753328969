"""The load generator of benchmarks/webhooks.py: signed Stripe events, closed and open loops.

aiohttp on loopback (httpx's client tops out near 1,000 requests/s here, below what is
measured). Latencies are per request; the open loop measures from the scheduled start.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from typing import Any

SECRET = "whsec_bench_3c1f9e0a7b"


def signed_requests(n: int) -> list[tuple[bytes, dict[str, str]]]:
    """``n`` distinct signed Stripe events (signed now: valid for 5 minutes)."""
    from webhooks._samples import stripe_event
    from webhooks.signatures import sign_stripe

    out = []
    for _ in range(n):
        body = json.dumps(stripe_event("invoice.paid"), separators=(",", ":")).encode()
        out.append((body, {"Stripe-Signature": sign_stripe(body, SECRET),
                           "Content-Type": "application/json"}))  # fmt: skip
    return out


def _percentiles(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000  # noqa: E731
    return {"p50_ms": round(pick(0.50), 2), "p99_ms": round(pick(0.99), 2),
            "mean_ms": round(statistics.fmean(ordered) * 1000, 2)}  # fmt: skip


async def _post(session: Any, url: str, body: bytes, headers: dict[str, str]) -> int:
    async with session.post(url, data=body, headers=headers) as response:
        await response.read()
        return int(response.status)


def _session(connections: int) -> Any:
    import aiohttp  # keep-alive connections, at most ``connections`` of them

    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections))


async def closed_loop(
    url: str, requests: list[tuple[bytes, dict[str, str]]], conc: int
) -> dict[str, Any]:
    """``conc`` connections, each sending its next request when the previous one answered."""
    queue = iter(requests)
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    async def worker(session: Any) -> None:
        for body, headers in queue:
            start = time.perf_counter()
            status = await _post(session, url, body, headers)
            latencies.append(time.perf_counter() - start)
            statuses[status] = statuses.get(status, 0) + 1

    async with _session(conc) as session:
        started = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(conc)))
        elapsed = time.perf_counter() - started
    ok = statuses.get(200, 0)
    return {"requests": len(latencies), "ok": ok, "statuses": statuses,
            "per_s": round(ok / elapsed, 1), **_percentiles(latencies)}  # fmt: skip


async def open_loop(
    url: str, requests: list[tuple[bytes, dict[str, str]]], rate: int
) -> dict[str, Any]:
    """A fixed schedule of ``rate`` requests/s; latency counts from the scheduled start."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    async def one(session: Any, due: float, body: bytes, headers: dict[str, str]) -> None:
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        status = await _post(session, url, body, headers)
        latencies.append(time.perf_counter() - due)
        statuses[status] = statuses.get(status, 0) + 1

    async with _session(64) as session:
        t0 = time.perf_counter() + 0.1
        await asyncio.gather(
            *(one(session, t0 + i / rate, b, h) for i, (b, h) in enumerate(requests))
        )
    return {"requests": len(latencies), "ok": statuses.get(200, 0), "statuses": statuses,
            "rate": rate, **_percentiles(latencies)}  # fmt: skip
