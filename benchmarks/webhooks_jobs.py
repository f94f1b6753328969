"""Benchmark: the webhook service, processing half (DBOS jobs).

``process`` (SQLite): one process, one database, one queue (``canonry-webhooks``,
partitioned, worker concurrency 16). A backlog of N items is committed in one transaction
and the time until every job finished is measured, for

* bare DBOS: N no-op workflows enqueued on the same queue (distinct partitions) — the
  ceiling;
* Canonry: N inbox items (signed-shape Stripe ``invoice.paid`` events about N distinct
  invoices), each parsed into a canonical Event with its Invoice mapped, a no-op handler
  run as a checkpointed step, and the item marked done.

``scale`` (PostgreSQL at 127.0.0.1, a throwaway schema): the same Canonry backlog drained
by one ``canonry worker`` process, then by two.

``isolation`` (SQLite): a healthy connection's rate beside a vendor that hangs or refuses,
next to its rate alone (``benchmarks/webhooks_isolation.py``).

    python benchmarks/webhooks.py --only process --only scale
    python benchmarks/webhooks_jobs.py [--items 2000] [--pg-items 800] [--worker-concurrency 16]

Targets: Canonry >= 80% of the bare DBOS rate; two PostgreSQL workers >= 1.5x one.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
# The repository first, even when PYTHONPATH already lists it: this script's folder is on the
# path too, and its webhooks.py must not shadow the webhooks package.
sys.path[:] = [str(REPO), *(p for p in sys.path if p != str(REPO))]

import sqlalchemy as sa  # noqa: E402
from dbos import DBOS  # noqa: E402
from jobs_setup import (  # noqa: E402
    database,
    deliver,
    done_items,
    done_workflows,
    enqueue_bare,
    inbox_items,
    wait_for,
)
from webhooks_isolation import add_arguments as _isolation_arguments  # noqa: E402
from webhooks_isolation import isolation  # noqa: E402

from webhooks.handlers import HandlerRegistry  # noqa: E402

TARGET_SHARE = 0.80
TARGET_SCALE = 1.5
PG_URL = os.environ.get(
    "CANONRY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
HANDLERS = HandlerRegistry()
"""The no-op handler the workers load (``--handlers webhooks_jobs:HANDLERS``)."""


@HANDLERS.on("*", name="noop")
def noop(event: Any, *, idempotency_key: str) -> None:
    """Does nothing: what is measured is Canonry's and DBOS's own work."""


@DBOS.workflow(name="bench.noop_workflow")
def noop_workflow(item_id: str) -> str:
    return item_id


# -- sections ---------------------------------------------------------------------------
def process(args: argparse.Namespace) -> dict[str, Any]:
    """SQLite: Canonry's processed events/s next to bare DBOS no-op workflows."""
    from webhooks.jobs import JobSettings, launch_dbos

    n = args.items
    with tempfile.TemporaryDirectory(prefix="canonry-bench-jobs-") as tmp:
        url = f"sqlite:///{tmp}/canonry.db"
        os.environ["CANONRY_KEY_FILE"] = f"{tmp}/keys.json"  # the jobs read credentials
        engine, connection_id = database(url, Path(tmp) / "keys.json")
        settings = JobSettings(
            database_url=url,
            executor_id="bench",
            concurrency=args.worker_concurrency,
            polling_interval=args.poll,
        )
        runtime = launch_dbos(url, role="worker", settings=settings, handlers=HANDLERS)
        rates: dict[str, list[float]] = {"bare DBOS no-op workflow": [], "canonry job": []}
        try:
            deliver(engine, inbox_items(connection_id, 100))  # warm-up: caches, mappings
            time.sleep(2)
            for _ in range(args.rounds):
                finished = done_workflows(engine)
                enqueue_bare(engine, n)
                bare = n / wait_for(finished, n)
                rates["bare DBOS no-op workflow"].append(bare)
                items = inbox_items(connection_id, n)
                done = done_items(engine)
                deliver(engine, items)
                rates["canonry job"].append(n / wait_for(done, n))
        finally:
            runtime.shutdown(timeout=0)
            engine.dispose()
    best = {name: max(values) for name, values in rates.items()}
    share = best["canonry job"] / best["bare DBOS no-op workflow"]
    _print_process(n, args.rounds, args.worker_concurrency, rates, share)
    return {"items": n, "rates": rates, "share": share, "targets_met": share >= TARGET_SHARE}


def _print_process(
    n: int, rounds: int, concurrency: int, rates: dict[str, list[float]], share: float
) -> None:
    print(f"\n## processing on SQLite (backlog of {n} jobs, best of {rounds}; "
          f"worker concurrency {concurrency})")  # fmt: skip
    print("| jobs | processed/s (best) | all rounds |")
    print("|---|---:|---|")
    for name, values in rates.items():
        print(f"| {name} | {max(values):,.0f} | {', '.join(f'{v:,.0f}' for v in values)} |")
    print(f"\nCanonry / bare DBOS: {share:.0%} (target >= {TARGET_SHARE:.0%})")


def _worker(
    url: str, schema: str, key_file: Path, name: str, log: Path, concurrency: int = 16
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "benchmarks")]),
        "CANONRY_DATABASE_URL": url,
        "CANONRY_DBOS_SCHEMA": schema,
        "CANONRY_KEY_FILE": str(key_file),
        "CANONRY_TENANT": "bench",
    }
    cmd = [sys.executable, "-m", "registry.cli", "worker", "--handlers", "webhooks_jobs:HANDLERS",
           "--executor-id", name, "--concurrency", str(concurrency)]  # fmt: skip
    with log.open("ab") as out:
        return subprocess.Popen(cmd, env=env, cwd=REPO, stdout=out, stderr=out)


def _drain(engine: sa.Engine, connection_id: str, schema: str, n: int) -> float:
    items = inbox_items(connection_id, n)
    done = done_items(engine)
    deliver(engine, items, schema)
    return n / wait_for(done, n)


_APP_NAME = "canonry-bench-worker"


class _ConnectionPeak:
    """The most PostgreSQL connections the workers held at once (sampled every 50 ms)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.peak = 0
        self._engine = engine
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        query = sa.text("select count(*) from pg_stat_activity where application_name = :a")
        while not self._stop.wait(0.05):
            with self._engine.connect() as conn:  # a new transaction: stats are snapshotted
                self.peak = max(self.peak, int(conn.execute(query, {"a": _APP_NAME}).scalar_one()))

    def __enter__(self) -> _ConnectionPeak:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def _pg_rate(
    url: str, schema: str, tmp: Path, workers: int, args: argparse.Namespace
) -> tuple[list[float], int]:
    engine, connection_id = database(url, tmp / "keys.json", schema)
    n, rounds, concurrency = args.pg_items, args.rounds, args.worker_concurrency
    tagged = f"{url}&application_name={_APP_NAME}"
    procs = [_worker(tagged, schema, tmp / "keys.json", f"w{i}", tmp / f"w{i}.log", concurrency)
             for i in range(workers)]  # fmt: skip
    try:
        with _ConnectionPeak(engine) as peak:
            _drain(engine, connection_id, schema, 200)  # warm-up every worker
            time.sleep(1)
            rates = [_drain(engine, connection_id, schema, n) for _ in range(rounds)]
        return rates, peak.peak
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=60)
        engine.dispose()


def scale(args: argparse.Namespace) -> dict[str, Any]:
    """PostgreSQL: one ``canonry worker`` vs two on the same queue."""
    rates: dict[int, list[float]] = {}
    peaks: dict[int, int] = {}
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    for workers in (1, 2):
        tag = uuid.uuid4().hex[:8]
        schema, dbos_schema = f"bench_{tag}", f"bench_{tag}_dbos"
        with admin.connect() as conn:
            conn.execute(sa.text(f'create schema "{schema}"'))
        url = f"{PG_URL}?options=-csearch_path%3D{schema}"
        try:
            with tempfile.TemporaryDirectory(prefix="canonry-bench-pg-") as tmp:
                rates[workers], peaks[workers] = _pg_rate(url, dbos_schema, Path(tmp), workers,
                                                          args)  # fmt: skip
        finally:
            with admin.connect() as conn:
                for name in (schema, dbos_schema):
                    conn.execute(sa.text(f'drop schema if exists "{name}" cascade'))
    admin.dispose()
    factor = max(rates[2]) / max(rates[1])
    print(f"\n## PostgreSQL workers (backlog of {args.pg_items} jobs, best of {args.rounds}; "
          f"worker concurrency {args.worker_concurrency})")  # fmt: skip
    print("| workers | processed/s (best) | all rounds | PostgreSQL connections (peak) |")
    print("|---:|---:|---|---:|")
    for workers, values in rates.items():
        print(f"| {workers} | {max(values):,.0f} | {', '.join(f'{v:,.0f}' for v in values)} "
              f"| {peaks[workers]} |")  # fmt: skip
    print(f"\ntwo workers / one: {factor:.2f}x (target >= {TARGET_SCALE}x)")
    return {"rates": rates, "factor": factor, "connections": peaks,
            "targets_met": factor >= TARGET_SCALE}  # fmt: skip


SECTIONS: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
    "process": process,
    "scale": scale,
    "isolation": isolation,
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--items", type=int, default=2000, help="SQLite backlog size")
    parser.add_argument("--pg-items", type=int, default=800, help="PostgreSQL backlog size")
    parser.add_argument("--rounds", type=int, default=2, help="repetitions (best is kept)")
    parser.add_argument("--worker-concurrency", type=int, default=16, help="jobs at once")
    parser.add_argument("--poll", type=float, default=0.05, help="queue polling interval (s)")
    _isolation_arguments(parser)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=sorted(SECTIONS), action="append")
    parser.add_argument("--json", type=Path, help="also write the results here")
    add_arguments(parser)
    args = parser.parse_args(argv)
    results = {name: SECTIONS[name](args) for name in (args.only or list(SECTIONS))}
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    missed = [name for name, r in results.items() if not r.get("targets_met", True)]
    print(f"\ntargets: {'missed in ' + ', '.join(missed) if missed else 'all met'}")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
