"""kill -9 during a sync: the store and the checkpoint are one transaction.

A child process syncs a 95-record vendor and stops at a chosen point (between objects, or
inside a checkpoint transaction after the store write and before the cursor update); the
parent kills it with SIGKILL there. Whatever the point, the store holds exactly the
records the committed cursor covers, and resuming completes the replica once.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from registry import Registry, create_engine
from tests.harness import Processes
from tests.registry.conftest import migrate
from tests.registry.store_vendor import VENDORS, Vendor, VendorAdapter
from vault import LocalCredentialStore, LocalKeyring

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
RECORDS = 95
ADAPTERS = {"vendor": VendorAdapter}

CHILD = """
import sys
from pathlib import Path
from registry import Registry, _sync_store
from tests.registry.store_vendor import VENDORS, Vendor, VendorAdapter
from vault import LocalCredentialStore, LocalKeyring
from registry import create_engine

url, key_file, stop_at, where = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
vendor = Vendor("crash")
for n in range({records}):
    vendor.upsert(f"c{{n:03d}}", name=f"Customer {{n}}")
keyring = LocalKeyring.load(Path(key_file))
store = LocalCredentialStore(create_engine(url), keyring, create_table=False)
reg = Registry(url, tenant="acme", credentials=store, adapters={{"vendor": VendorAdapter}})
writes = 0
original = _sync_store.SyncStore.write

def write(self, conn, objects):
    global writes
    result = original(self, conn, objects)
    writes += 1
    if where == "in-checkpoint" and writes == stop_at:
        print("stopped", flush=True)
        sys.stdin.read()
    return result

_sync_store.SyncStore.write = write
for count, _ in enumerate(reg.sync("shop", "customers"), start=1):
    if where == "between-objects" and count == stop_at:
        print("stopped", flush=True)
        sys.stdin.read()
print("finished", flush=True)
"""


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    url = migrate(f"sqlite:///{tmp_path / 'canonry.db'}")
    key_file = tmp_path / "canonry.keys"
    LocalKeyring.from_env({"CANONRY_KEY_FILE": str(key_file)}, create=True)
    vendor = Vendor("crash")
    for n in range(RECORDS):
        vendor.upsert(f"c{n:03d}", name=f"Customer {n}")
    with _registry(url, key_file) as reg:
        reg.add_connection("shop", "vendor", {"vendor": "crash", "page_size": 10}, {"api_key": "k"})
    yield url, key_file
    VENDORS.pop("crash", None)


@contextmanager
def _registry(url: str, key_file: Path) -> Iterator[Registry]:
    engine = create_engine(url)
    store = LocalCredentialStore(engine, LocalKeyring.load(key_file), create_table=False)
    try:
        with Registry(url, tenant="acme", credentials=store, adapters=ADAPTERS) as reg:
            yield reg
    finally:
        engine.dispose()


def _kill_at(processes: Processes, url: str, key_file: Path, stop_at: int, where: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    script = CHILD.format(records=RECORDS)
    args = [sys.executable, "-c", script, url, str(key_file), str(stop_at), where]
    proc = processes.start(args, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == b"stopped"
    processes.kill(proc)


def _covered(reg: Registry) -> set[str]:
    state = reg.sync_state("shop", "customers")
    cursor = state.cursor if state else None
    every = {f"c{n:03d}" for n in range(RECORDS)}
    if not cursor:
        return set()
    if "full" not in cursor:
        return every
    return {i for i in every if i <= cursor["full"]}


@pytest.mark.parametrize(
    ("stop_at", "where"),
    [(5, "between-objects"), (25, "between-objects"), (3, "in-checkpoint")],
)
def test_sigkill_never_separates_the_store_from_the_checkpoint(
    setup: tuple[str, Path], stop_at: int, where: str, processes: Processes
) -> None:
    url, key_file = setup
    _kill_at(processes, url, key_file, stop_at, where)
    with _registry(url, key_file) as reg:
        stored = {r.remote_id for r in reg.records("customers", limit=1000)}
        assert stored == _covered(reg)
        assert sum(1 for _ in reg.sync("shop", "customers")) == RECORDS - len(stored)
        page = reg.records("customers", limit=1000)
        assert sorted(r.remote_id for r in page) == [f"c{n:03d}" for n in range(RECORDS)]
        assert not page.has_more
