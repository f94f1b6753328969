"""Benchmark: Registry.sync streaming records from a loopback fake API into canonical objects.

Each measurement is a fresh child process (so its peak RSS is its own). In ``registry``
mode the child migrates a temporary SQLite database, adds a connection of the test suite's
fake adapter (a real HTTP adapter over 127.0.0.1) and consumes ``Registry.sync(...)`` to
the end: every record is fetched as JSON over HTTP, mapped through the connection's active
mapping into a validated canonical ``Customer``, and each page is checkpointed. The
``bare`` baseline does the same work without the Registry (``adapter.read`` plus the
compiled default mapping, no database), so the ratio is the Registry's overhead. The fake
API runs in this (parent) process.

    python benchmarks/sync.py                       # 100,000 (3 rounds) and 1,000,000
    python benchmarks/sync.py --records 20000 --large 0 --rounds 1    # a quick run

Exits non-zero when the Registry falls under 80% of the bare rate or under 70% of itself
without the store, or when the peak RSS of
the 1,000,000-record run exceeds the 100,000-record run's by more than 10%.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

PAGE_SIZE = 1000
API_KEY = "sk_bench"


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _registry_objects(url: str, tmp: str, *, store: bool = True) -> Iterator[Any]:
    from registry import Registry, create_engine, upgrade
    from tests.registry.fake_adapter import FakeAdapter
    from vault import LocalCredentialStore, LocalKeyring

    if not store:  # the same sync with no record store: what keeping the replica costs
        import registry._registry_sync

        registry._registry_sync.SyncStore = lambda *_a, **_k: None  # type: ignore[assignment,misc]

    db = f"sqlite:///{tmp}/bench.db"
    engine = create_engine(db)
    upgrade(engine)
    store = LocalCredentialStore(engine, LocalKeyring.generate(), create_table=False)
    with Registry(db, tenant="bench", adapters={"fake": FakeAdapter}, credentials=store) as reg:
        config = {"base_url": url, "page_size": PAGE_SIZE}
        conn = reg.add_connection("bench", "fake", config, {"api_key": API_KEY})
        yield from reg.sync(conn.id, "customers")
    engine.dispose()


def _bare_objects(url: str) -> Iterator[Any]:
    from canonical import Source
    from tests.registry.fake_adapter import FakeAdapter

    adapter = FakeAdapter({"base_url": url, "page_size": PAGE_SIZE}, {"api_key": API_KEY})
    compiled = adapter.default_mapping("customers").compile()
    source = Source(adapter="fake", connection_id="bench")
    for page in adapter.read("customers"):
        for record in page.records:
            yield compiled.apply(record, source=source)


def child(url: str, records: int, mode: str) -> dict[str, Any]:
    """One measured run (in its own process); the clock starts after the first object."""
    with tempfile.TemporaryDirectory() as tmp:
        if mode == "bare":
            objects = _bare_objects(url)
        else:
            objects = _registry_objects(url, tmp, store=mode == "registry")
        next(objects)  # imports, migration, connection setup and the first page
        before = _rss_mib()
        started = time.perf_counter()
        count = 1 + sum(1 for _ in objects)
        seconds = time.perf_counter() - started
    if count != records:
        raise SystemExit(f"expected {records} records, got {count}")
    peak = _rss_mib()
    return {"mode": mode, "records": count, "seconds": seconds, "rate": (count - 1) / seconds,
            "peak_rss_mib": peak, "growth_mib": peak - before}  # fmt: skip


def measure(records: int, mode: str) -> dict[str, Any]:
    from tests.registry.fake_adapter import FakeAPI

    api = FakeAPI(total=records)
    try:
        out = subprocess.run(
            [sys.executable, __file__, "--child", api.url, mode, "--records", str(records)],
            capture_output=True, text=True, check=True, cwd=REPO,
        )  # fmt: skip
    finally:
        api.close()
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _row(r: dict[str, Any]) -> str:
    return (
        f"| {r['mode']} | {r['records']:,} | {r['seconds']:.1f} | {r['rate']:,.0f} "
        f"| {r['peak_rss_mib']:.1f} | {r['growth_mib']:.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--large", type=int, default=1_000_000, help="0 to skip")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("URL", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], args.records, args.child[1])))
        return
    print(f"python {sys.version.split()[0]}, page size {PAGE_SIZE}, SQLite checkpoints")
    print("| mode | records | seconds | records/s | peak RSS (MiB) | RSS growth (MiB) |")
    print("|---|---:|---:|---:|---:|---:|")
    best: dict[str, dict[str, Any]] = {}
    for _ in range(args.rounds):
        for mode in ("registry", "nostore", "bare"):
            r = measure(args.records, mode)
            print(_row(r), flush=True)
            if mode not in best or r["rate"] > best[mode]["rate"]:
                best[mode] = r
    ratio = best["registry"]["rate"] / best["bare"]["rate"]
    kept = best["registry"]["rate"] / best["nostore"]["rate"]
    failed = ratio < 0.8 or kept < 0.7
    print(f"\nbest registry / bare rate: {ratio:.2f} (target >= 0.80)")
    print(f"best registry (record store) / registry without the store: {kept:.2f} "
          "(target >= 0.70)")  # fmt: skip
    if args.large:
        large = measure(args.large, "registry")
        print(_row(large), flush=True)
        growth = large["peak_rss_mib"] / best["registry"]["peak_rss_mib"] - 1
        failed |= growth > 0.10
        print(f"peak RSS {args.large:,} vs {args.records:,} records: {growth * 100:+.1f}% "
              "(limit +10%)")  # fmt: skip
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
