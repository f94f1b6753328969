"""`canonry webhooks list` with a large inbox: its time beyond start-up, next to the same
listing with `--status done` and to an empty inbox (start-up alone), for this checkout and
(optionally) an older commit, in one interleaved run.

    python benchmarks/webhooks_list.py                          # 100,000 items
    python benchmarks/webhooks_list.py --items 1000000          # and a million
    python benchmarks/webhooks_list.py --before 8d113bc         # that commit too (git archive)

Each inbox is one initialised SQLite project (``canonry init``, one Stripe connection) whose
items carry a 2 KB body, 99.9 % of them ``done`` (a working inbox), received one second
apart. Every command runs as ``python -m registry.cli`` in a fresh process; the table shows
medians of wall time over the rounds (a round runs every command once, in turn). Older
trees migrate the database to their own head first (``db upgrade`` is idempotent); a newer
database is refused by an older tree, so `--before` builds its own projects.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.progress import Progress

REPO = Path(__file__).resolve().parent.parent
BODY = json.dumps({"id": "evt", "object": "event", "data": {"pad": "x" * 2000}}).encode()
CHUNK = 20_000


def _env(tree: Path, folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CANONRY_", "VAULT_"))}
    env["PYTHONPATH"] = str(tree)
    env["CANONRY_DATABASE_URL"] = f"sqlite:///{folder / 'canonry.db'}"
    env["CANONRY_KEY_FILE"] = str(folder / "canonry.keys")
    return env


def _cli(tree: Path, folder: Path, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "registry.cli", *args], cwd=folder,
                   env=_env(tree, folder), check=True, capture_output=True)  # fmt: skip


def _fill(tree: Path, folder: Path, items: int, progress: Progress) -> None:
    """``items`` inbox rows, written with the tree's own ``insert_items``."""
    code = f"""
import sys
from datetime import UTC, datetime, timedelta
import sqlalchemy as sa
from registry import create_engine
from webhooks import NewInboxItem, insert_items
engine = create_engine({str(_env(tree, folder)["CANONRY_DATABASE_URL"])!r})
with engine.connect() as conn:
    cid = conn.execute(sa.text("select id from connections")).scalar_one()
start = datetime(2026, 1, 1, tzinfo=UTC)
body = {BODY!r}
for first in range(0, {items}, {CHUNK}):
    batch = [NewInboxItem(tenant="default", connection_id=cid, adapter="stripe",
                          vendor_event_id=f"evt_{{n}}", vendor_event_type="invoice.paid",
                          object_type="invoice", object_id=f"in_{{n % 5000}}",
                          occurred_at=start + timedelta(seconds=n), body=body,
                          received_at=start + timedelta(seconds=n))
             for n in range(first, min(first + {CHUNK}, {items}))]
    with engine.begin() as conn:
        insert_items(conn, batch)
        conn.execute(sa.text("update canonry_webhook_inbox set status = 'done' "
                             "where status = 'received' and vendor_event_id not like '%999'"))
    print(len(batch), flush=True)
"""
    task = progress.add_task(f"filling {folder.name}", total=items)
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=folder, env=_env(tree, folder),
                            stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert proc.stdout is not None
    for line in proc.stdout:
        progress.advance(task, int(line))
    if proc.wait() != 0:
        raise SystemExit(f"filling {folder} failed")


def _project(tree: Path, root: Path, label: str, items: int, progress: Progress) -> Path:
    folder = root / label
    folder.mkdir()
    _cli(tree, folder, "init")
    _cli(tree, folder, "connections", "add", "shop", "--adapter", "stripe")
    if items:
        _fill(tree, folder, items, progress)
    return folder


def _once(tree: Path, folder: Path, args: list[str]) -> float:
    started = time.perf_counter()
    _cli(tree, folder, *args)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--items", type=int, nargs="+", default=[100_000])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--before", help="an older commit to measure beside this checkout")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        trees = [("this checkout", REPO)]
        if args.before:
            old = root / "before"
            old.mkdir()
            archive = subprocess.run(["git", "archive", args.before], cwd=REPO,
                                     capture_output=True, check=True).stdout  # fmt: skip
            subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
            trees.append((f"before ({args.before})", old))
        cases: list[tuple[str, Path, Path, int]] = []
        with Progress() as progress:
            for label, tree in trees:
                for count in [0, *args.items]:
                    name = f"{len(cases)}-{count}"
                    cases.append((label, tree, _project(tree, root, name, count, progress), count))
        commands = {
            "webhooks list": ["webhooks", "list"],
            "webhooks list --status done": ["webhooks", "list", "--status", "done"],
        }
        times: dict[tuple[str, int, str], list[float]] = {}
        for _ in range(args.rounds):
            for label, tree, folder, count in cases:
                for name, command in commands.items():
                    times.setdefault((label, count, name), []).append(_once(tree, folder, command))
    print(f"python {sys.version.split()[0]}, {args.rounds} rounds, load {os.getloadavg()[0]:.1f}")
    print("| tree | inbox items | command | median s | beyond empty inbox s |")
    print("|---|---:|---|---:|---:|")
    for (label, count, name), values in times.items():
        empty = statistics.median(times[(label, 0, name)])
        median = statistics.median(values)
        print(f"| {label} | {count:,} | {name} | {median:.2f} | {median - empty:+.2f} |")


if __name__ == "__main__":
    main()
