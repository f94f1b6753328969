"""Mapping engine throughput: Stripe invoice (with lines) -> canonical Invoice.

Measures, in the same run:

* ``engine``: ``CompiledMapping.apply`` of the Stripe invoice fixture with the default
  Stripe mapping (adapters/stripe/mappings/invoices.yaml);
* ``model_validate``: plain ``Invoice.model_validate`` of the engine's output, dumped
  to a dict (``model_dump()``), i.e. the cost of the canonical model alone.

Run: ``python benchmarks/mapping.py [--seconds 1] [--repeat 7]``. Prints records/s for
both, the ratio (target: engine >= 1/3 of model_validate) and exits 1 below the target.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Run as a script, this file's directory comes first on sys.path and its name would shadow
# the ``mapping`` package; drop that entry before importing it.
_HERE = str(Path(__file__).resolve().parent)
sys.path[:] = [p for p in sys.path if str(Path(p or ".").resolve()) != _HERE]

from canonical import Invoice, Source  # noqa: E402
from mapping import Mapping  # noqa: E402
from plugins.fakes import vendor_fixture  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
TARGET = 1 / 3


def rates(works: dict[str, Callable[[], object]], seconds: float, repeat: int) -> dict[str, float]:
    """Best records/s of each work over ``repeat`` rounds, interleaved so that noise from
    other processes on the machine hits every measurement alike."""
    best = dict.fromkeys(works, 0.0)
    for _ in range(repeat):
        for name, work in works.items():
            best[name] = max(best[name], _round(work, seconds))
    return best


def _round(work: Callable[[], object], seconds: float) -> float:
    batch, done = 100, 0
    start = time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(batch):
            work()
        done += batch
    return done / elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="length of one round")
    parser.add_argument("--repeat", type=int, default=7, help="rounds; the best one counts")
    args = parser.parse_args(argv)

    record: dict[str, Any] = vendor_fixture("stripe", "invoice")
    mapping = Mapping.load(REPO / "adapters" / "stripe" / "mappings" / "invoices.yaml")
    compiled = mapping.compile()
    source = Source(adapter="stripe", connection_id="bench")
    mapped = compiled.apply(record, source=source)
    dumped = mapped.model_dump()
    assert Invoice.model_validate(dumped) == mapped

    best = rates(
        {
            "engine": lambda: compiled.apply(record, source=source),
            "bare": lambda: Invoice.model_validate(dumped),
        },
        args.seconds,
        args.repeat,
    )
    engine, bare = best["engine"], best["bare"]
    ratio = engine / bare

    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs")
    print(f"record: Stripe invoice fixture with {len(record['lines']['data'])} line(s)")
    print()
    print("| measurement | records/s |")
    print("|---|---:|")
    print(f"| mapping engine (`CompiledMapping.apply`) | {engine:,.0f} |")
    print(f"| bare `Invoice.model_validate` of the mapped dict | {bare:,.0f} |")
    print(f"| ratio engine / bare (target >= {TARGET:.2f}) | {ratio:.2f} |")
    return 0 if ratio >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
