"""Benchmark: the webhook service; acknowledgements here, processing from webhooks_jobs.py.

``ack``: ``canonry serve --no-workers`` runs as a uvicorn subprocess on a fresh SQLite
database with one Stripe connection. Each request is a distinct, correctly signed Stripe
``invoice.paid`` event, so every 200 means: verified, written to the inbox and enqueued as
a DBOS workflow in one committed transaction. Next to it, the ceiling: a bare ASGI app
under the same uvicorn, reading the body and answering 200. Two load shapes, loopback only:

* closed loop (an aiohttp client): N concurrent keep-alive connections, each sending its
  next request as soon as the previous answer arrives -> acknowledged deliveries/s, p50/p99;
* open loop: a fixed 200 requests/s schedule -> p50/p99 latency measured from each
  request's scheduled start (so queueing behind a slow answer counts).

    python benchmarks/webhooks.py [--with-workers]   # --requests 3000 --rounds 1: quicker

Sections live in ``SECTIONS`` (the processing half: benchmarks/webhooks_jobs.py). Exits
non-zero when a target is missed (>= 1,000 acks/s; p99 < 50 ms at 200 req/s).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
# The repository first, even when PYTHONPATH already lists it: this script's folder is on the
# path too, and its webhooks.py must not shadow the webhooks package.
sys.path[:] = [str(REPO), *(p for p in sys.path if p != str(REPO))]

from benchmarks.webhooks_load import SECRET, closed_loop, open_loop, signed_requests  # noqa: E402

TARGET_ACKS = 1000.0
TARGET_P99_MS = 50.0
OPEN_LOOP_RATE = 200
CANONRY = "canonry serve --no-workers (SQLite)"
CANONRY_JOBS = "canonry serve, jobs in-process (SQLite)"
INGESTER = "minimal durable ingester (baseline)"
TARGET_CPU_RATIO = 2.0  # Canonry's server CPU per ack at most this times the ingester's


# -- servers ----------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _canonry(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    cmd = [sys.executable, "-m", "registry.cli", *args]
    done = subprocess.run(cmd, env=env, input=stdin, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"canonry {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def _prepare(tmp: str) -> tuple[dict[str, str], str]:
    """A fresh database with one Stripe connection; returns (environment, connection id)."""
    env = dict(os.environ)
    env |= {
        "CANONRY_DATABASE_URL": f"sqlite:///{tmp}/canonry.db",
        "CANONRY_KEY_FILE": f"{tmp}/keys.json",
        "PYTHONPATH": str(REPO),
    }
    _canonry(env, "init")
    out = _canonry(env, "connections", "add", "bench", "--adapter", "stripe", "--json")
    conn_id = json.loads(out)["id"]
    creds = json.dumps({"api_key": "sk_test_bench", "webhook_secret": SECRET})
    _canonry(env, "credentials", "set", "bench", "--stdin", stdin=creds)
    return env, conn_id


@contextmanager
def _server(
    cmd: list[str], env: dict[str, str], port: int
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(port, proc)
        yield base, proc
    finally:
        proc.terminate()
        proc.wait(30)


def _wait_ready(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise SystemExit(f"server exited early: {err[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("server did not start within 60 s")


def canonry_server(port: int, *, workers: bool = False) -> list[str]:
    flag = "--workers-in-process" if workers else "--no-workers"
    return [sys.executable, "-m", "registry.cli", "serve", flag, "--port", str(port),
            "--log-level", "warning"]  # fmt: skip


def bare_server(port: int) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--bare-server", str(port)]


def ingester_server(port: int) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--ingester-server", str(port)]


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of process ``pid`` so far, all its threads (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _bare_app(scope: dict[str, Any], receive: Callable[..., Any], send: Any) -> None:
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json")]})  # fmt: skip
    await send({"type": "http.response.body", "body": b'{"received":1,"duplicates":0}'})


# -- sections ---------------------------------------------------------------------------
def _measure(
    make: Callable[[int], list[str]], env: dict[str, str], conn_id: str, args: argparse.Namespace
) -> dict[str, Any]:
    """One round against one server: warm-up, closed loop, open loop."""
    port = _free_port()
    with _server(make(port), env, port) as (base, proc):
        url = f"{base}/webhooks/{conn_id}"
        asyncio.run(closed_loop(url, signed_requests(200), args.concurrency))  # warm-up
        requests = signed_requests(args.requests)
        cpu = _cpu_seconds(proc.pid)
        closed = asyncio.run(closed_loop(url, requests, args.concurrency))
        closed["cpu_us_per_ack"] = round(
            (_cpu_seconds(proc.pid) - cpu) / max(closed["ok"], 1) * 1e6, 1
        )
        scheduled = signed_requests(OPEN_LOOP_RATE * args.rate_seconds)
        opened = asyncio.run(open_loop(url, scheduled, OPEN_LOOP_RATE))
    return {"closed": closed, "open": opened}


def _best(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The best round of each measurement: highest ack rate, lowest open-loop p99."""
    closed = max((r["closed"] for r in runs), key=lambda c: c["per_s"])
    opened = min((r["open"] for r in runs), key=lambda o: o["p99_ms"])
    return {"closed": closed, "open": opened, "rounds": runs}


def ack(args: argparse.Namespace) -> dict[str, Any]:
    """Acknowledged deliveries/s and latency: canonry serve vs a bare ASGI app."""
    servers: dict[str, Callable[[int], list[str]]] = {
        "bare ASGI (ceiling)": bare_server,
        INGESTER: ingester_server,
        CANONRY: canonry_server,
    }
    if args.with_workers:
        servers[CANONRY_JOBS] = lambda port: canonry_server(port, workers=True)
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in servers}
    with tempfile.TemporaryDirectory(prefix="canonry-bench-") as tmp:
        env, conn_id = _prepare(tmp)
        for _ in range(args.rounds):  # interleaved, so the machine's noise hits all alike
            for name, command in servers.items():
                runs[name].append(_measure(command, env, conn_id, args))
    results: dict[str, Any] = {name: _best(r) for name, r in runs.items()}
    _print_ack(results, args)
    canonry = results[CANONRY]
    cpu_ratio = canonry["closed"]["cpu_us_per_ack"] / results[INGESTER]["closed"]["cpu_us_per_ack"]
    results["cpu_vs_ingester"] = round(cpu_ratio, 2)
    print(f"server CPU per ack, canonry / minimal ingester: {cpu_ratio:.2f} "
          f"(target <= {TARGET_CPU_RATIO})")  # fmt: skip
    results["targets_met"] = (
        canonry["closed"]["per_s"] >= TARGET_ACKS
        and canonry["open"]["p99_ms"] < TARGET_P99_MS
        and cpu_ratio <= TARGET_CPU_RATIO
    )
    return results


def _print_ack(results: dict[str, Any], args: argparse.Namespace) -> None:
    print(f"\n## acknowledgements ({args.requests} signed Stripe events, {args.concurrency} "
          f"connections; open loop {OPEN_LOOP_RATE}/s for {args.rate_seconds} s; "
          f"best of {args.rounds} rounds)")  # fmt: skip
    print("| server | acks/s | vs ceiling | CPU µs/ack | p50 ms | p99 ms | @200/s p50 ms "
          "| @200/s p99 ms | non-200 |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|")  # fmt: skip
    ceiling = results["bare ASGI (ceiling)"]["closed"]["per_s"]
    for name, r in results.items():
        c, o = r["closed"], r["open"]
        cpu = statistics.median(run["closed"]["cpu_us_per_ack"] for run in r["rounds"])
        bad = sum(x["requests"] - x["ok"] for run in r["rounds"] for x in run.values())
        latency = f"{c['p50_ms']} | {c['p99_ms']} | {o['p50_ms']} | {o['p99_ms']}"
        print(f"| {name} | {c['per_s']:,.0f} | {c['per_s'] / ceiling:.2f} | {cpu:,.0f} | "
              f"{latency} | {bad} |")  # fmt: skip


SECTIONS: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {"ack": ack}
"""Benchmark sections by name; each returns its results with a ``targets_met`` flag."""

from webhooks_jobs import SECTIONS as _JOB_SECTIONS  # noqa: E402  (processing half)
from webhooks_jobs import add_arguments as _job_arguments  # noqa: E402

SECTIONS.update(_JOB_SECTIONS)


def main(argv: list[str] | None = None) -> int:
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--bare-server", type=int)
    pre.add_argument("--ingester-server", type=int)
    bare, _ = pre.parse_known_args(argv)
    if bare.bare_server:  # the ceiling's server process: no need for the job side
        import uvicorn

        uvicorn.run(_bare_app, host="127.0.0.1", port=bare.bare_server, log_level="warning")
        return 0
    if bare.ingester_server:  # the baseline's server process
        from benchmarks.webhooks_ingester import serve

        serve(bare.ingester_server, SECRET)
        return 0
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], conflict_handler="resolve"
    )
    parser.add_argument("--bare-server", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--ingester-server", type=int, help=argparse.SUPPRESS)
    _job_arguments(parser)
    parser.add_argument("--requests", type=int, default=10_000, help="closed-loop requests")
    parser.add_argument("--concurrency", type=int, default=32, help="closed-loop connections")
    parser.add_argument("--rate-seconds", type=int, default=10, help="open-loop duration")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (best counts)")
    parser.add_argument(
        "--with-workers",
        action="store_true",
        help="also measure `canonry serve` processing the jobs in-process (no-op handlers)",
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--only", choices=sorted(SECTIONS), action="append")
    args = parser.parse_args(argv)
    results = {name: SECTIONS[name](args) for name in (args.only or list(SECTIONS))}
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    missed = [name for name, r in results.items() if not r.get("targets_met", True)]
    print(f"\ntargets: {'missed in ' + ', '.join(missed) if missed else 'all met'}")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
