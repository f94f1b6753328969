"""Benchmark: Registry.sync streaming records from a loopback fake API into canonical objects.

Each run is a fresh child process (so its peak RSS is its own) that migrates a temporary
SQLite database, adds a connection of the test suite's fake adapter (a real HTTP adapter
over 127.0.0.1) and consumes ``Registry.sync(...)`` to the end: every record is fetched as
JSON over HTTP, mapped through the connection's active mapping into a validated canonical
``Customer`` and checkpointed page by page. The fake API runs in this (parent) process.

    python benchmarks/sync.py                       # 100,000 and 1,000,000 records
    python benchmarks/sync.py --records 20000       # a quick run

Reports records/s, the child's peak RSS (``ru_maxrss``) and how much the peak grew while
syncing; streaming means the 1,000,000-record peak stays within 10% of the 100,000 one.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

PAGE_SIZE = 1000


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def child(url: str, records: int) -> dict[str, float]:
    """One measured run (in its own process)."""
    from registry import Registry, create_engine, upgrade
    from tests.registry.fake_adapter import FakeAdapter
    from vault import LocalCredentialStore, LocalKeyring

    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{tmp}/bench.db"
        engine = create_engine(db)
        upgrade(engine)
        store = LocalCredentialStore(engine, LocalKeyring.generate(), create_table=False)
        with Registry(db, tenant="bench", adapters={"fake": FakeAdapter}, credentials=store) as reg:
            config = {"base_url": url, "page_size": PAGE_SIZE}
            conn = reg.add_connection("bench", "fake", config, {"api_key": "sk_bench"})
            before = _rss_mib()
            started = time.perf_counter()
            count = 0
            for _obj in reg.sync(conn.id, "customers"):
                count += 1
            seconds = time.perf_counter() - started
        engine.dispose()
    if count != records:
        raise SystemExit(f"expected {records} records, got {count}")
    return {
        "records": count,
        "seconds": seconds,
        "records_per_s": count / seconds,
        "peak_rss_mib": _rss_mib(),
        "growth_mib": _rss_mib() - before,
    }


def measure(records: int) -> dict[str, float]:
    from tests.registry.fake_adapter import FakeAPI

    api = FakeAPI(total=records)
    try:
        out = subprocess.run(
            [sys.executable, __file__, "--child", api.url, "--records", str(records)],
            capture_output=True, text=True, check=True, cwd=REPO,
        )  # fmt: skip
    finally:
        api.close()
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--child", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.records[0])))
        return
    print(f"python {sys.version.split()[0]}, page size {PAGE_SIZE}, SQLite checkpoints")
    print("| records | seconds | records/s | peak RSS (MiB) | RSS growth during sync (MiB) |")
    print("|---:|---:|---:|---:|---:|")
    results = []
    for n in args.records:
        r = measure(n)
        results.append(r)
        print(
            f"| {n:,} | {r['seconds']:.1f} | {r['records_per_s']:,.0f} "
            f"| {r['peak_rss_mib']:.1f} | {r['growth_mib']:.1f} |",
            flush=True,
        )
    if len(results) > 1:
        base, largest = results[0], results[-1]
        ratio = largest["peak_rss_mib"] / base["peak_rss_mib"]
        verdict = "OK" if ratio <= 1.10 else "FAILED"
        print(f"\npeak RSS {largest['records']:,.0f} vs {base['records']:,.0f}: "
              f"{(ratio - 1) * 100:+.1f}% (limit +10%): {verdict}")  # fmt: skip
        if ratio > 1.10:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
