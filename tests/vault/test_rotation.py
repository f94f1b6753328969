"""Key rotation: batches, resumption after a crash (injected and SIGKILL), retirement."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy.engine import Engine

from canonical import ConfigurationError, CredentialError
from tests.harness import Processes
from tests.vault.conftest import raw_row, update_row
from vault import (
    LocalCredentialStore,
    LocalKeyring,
    RotationProgress,
    make_engine,
    retire_key,
    rotate,
)

REPO = Path(__file__).resolve().parents[2]


def _fill(store: LocalCredentialStore, count: int) -> dict[str, str]:
    expected = {f"conn-{i:02d}": f"secret-value-{i}" for i in range(count)}
    for connection, value in expected.items():
        store.put("acme", connection, {"api_key": value})
    return expected


def _assert_readable(store: LocalCredentialStore, expected: dict[str, str]) -> None:
    for connection, value in expected.items():
        assert store.get("acme", connection) == {"api_key": SecretStr(value)}


def _payloads(engine: Engine, expected: dict[str, str]) -> dict[str, tuple[object, object]]:
    rows = {c: raw_row(engine, "acme", c) for c in expected}
    return {c: (r["nonce"], r["ciphertext"]) for c, r in rows.items()}


@pytest.fixture
def file_store(vault_engine: Engine, key_file: Path) -> LocalCredentialStore:
    return LocalCredentialStore(vault_engine, LocalKeyring.load(key_file))


def test_rotate_rewraps_everything_and_leaves_payloads_untouched(
    file_store: LocalCredentialStore,
) -> None:
    expected = _fill(file_store, 7)
    old = file_store.wrapper.primary_key_id()
    before = _payloads(file_store.engine, expected)
    seen: list[RotationProgress] = []
    report = rotate(file_store, batch_size=3, progress=seen.append)
    assert report.new_key
    assert report.primary_key_id != old
    assert (report.rewrapped, report.batches, report.failed) == (7, 3, ())
    assert [(p.done, p.total) for p in seen] == [(3, 7), (6, 7), (7, 7)]
    assert report.key_usage == {report.primary_key_id: 7}
    assert report.retirable == (old,)
    assert _payloads(file_store.engine, expected) == before
    assert [r.version for r in file_store.list()] == [1] * 7  # rewrap is not a new version
    _assert_readable(file_store, expected)


def test_crash_after_some_batches_then_resume(file_store: LocalCredentialStore) -> None:
    expected = _fill(file_store, 10)
    keyring = file_store.wrapper
    assert isinstance(keyring, LocalKeyring)
    old = keyring.primary_key_id()
    path = keyring.path
    assert path is not None

    def crash_after_two(progress: RotationProgress) -> None:
        if progress.batches == 2:
            raise KeyboardInterrupt("simulated crash")

    with pytest.raises(KeyboardInterrupt):
        rotate(file_store, batch_size=3, progress=crash_after_two)
    new = keyring.primary_key_id()
    assert file_store.key_usage() == {new: 6, old: 4}
    # A fresh process (new keyring from the file) reads every secret mid-rotation.
    fresh = LocalCredentialStore(file_store.engine, LocalKeyring.load(path))
    _assert_readable(fresh, expected)
    with pytest.raises(CredentialError, match="still protects 4 secret"):
        retire_key(fresh, old)

    report = rotate(fresh, batch_size=3)
    assert not report.new_key
    assert (report.primary_key_id, report.rewrapped) == (new, 4)
    retire_key(fresh, old)
    assert LocalKeyring.load(path).key_ids() == [new]
    _assert_readable(LocalCredentialStore(file_store.engine, LocalKeyring.load(path)), expected)


_CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import sqlalchemy as sa
    from vault import LocalCredentialStore, LocalKeyring, make_engine, rotate

    engine = make_engine(sys.argv[1])
    updates = 0

    @sa.event.listens_for(engine, "before_cursor_execute")
    def block_mid_transaction(conn, cursor, statement, *args):
        global updates
        if statement.lstrip().upper().startswith("UPDATE"):
            updates += 1
            if updates == int(sys.argv[3]):
                print("blocked", flush=True)
                time.sleep(120)

    store = LocalCredentialStore(engine, LocalKeyring.load(Path(sys.argv[2])))
    rotate(store, batch_size=3)
    print("finished", flush=True)
    """
)


@pytest.mark.slow
def test_sigkill_mid_transaction_then_resume(
    tmp_path: Path, key_file: Path, processes: Processes
) -> None:
    url = f"sqlite:///{tmp_path / 'canonry.db'}"
    engine = make_engine(url)
    store = LocalCredentialStore(engine, LocalKeyring.load(key_file))
    expected = _fill(store, 10)
    old = store.wrapper.primary_key_id()
    # Batches of 3: two commit, the third has one UPDATE done when the child blocks.
    child = processes.start(
        [sys.executable, "-c", _CHILD, url, str(key_file), "8"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    if child.stdout.readline().strip() != "blocked":
        pytest.fail(f"the child did not block: {child.communicate(timeout=120)[1]}")
    processes.kill(child)
    assert child.returncode == -signal.SIGKILL
    after = LocalCredentialStore(engine, LocalKeyring.load(key_file))
    new = after.wrapper.primary_key_id()
    assert new != old
    assert after.key_usage() == {new: 6, old: 4}  # the open transaction rolled back
    _assert_readable(after, expected)
    report = rotate(after, batch_size=3)
    assert (report.new_key, report.rewrapped, report.retirable) == (False, 4, (old,))
    retire_key(after, old)
    _assert_readable(LocalCredentialStore(engine, LocalKeyring.load(key_file)), expected)
    engine.dispose()


def test_retire_refuses_the_primary(file_store: LocalCredentialStore) -> None:
    with pytest.raises(CredentialError, match="primary"):
        retire_key(file_store, file_store.wrapper.primary_key_id())


def test_rotate_on_an_empty_store_makes_a_new_primary(file_store: LocalCredentialStore) -> None:
    old = file_store.wrapper.primary_key_id()
    report = rotate(file_store)
    assert report.new_key
    assert report.rewrapped == 0
    assert report.retirable == (old,)


def test_env_keyring_rotates_after_a_new_primary_is_added_to_the_variable(
    vault_engine: Engine,
) -> None:
    one = "k1:" + "AQ" * 21 + "A"  # 32 bytes of base64url
    two = "k2:" + "Ag" * 21 + "A"
    store = LocalCredentialStore(vault_engine, LocalKeyring.from_env({"CANONRY_MASTER_KEYS": one}))
    expected = _fill(store, 3)
    with pytest.raises(ConfigurationError, match="CANONRY_MASTER_KEYS"):
        rotate(store)  # nothing pending and the variable cannot be written
    env = {"CANONRY_MASTER_KEYS": f"{one},{two},primary=k2"}
    store = LocalCredentialStore(vault_engine, LocalKeyring.from_env(env))
    report = rotate(store, batch_size=2)
    assert (report.new_key, report.rewrapped, report.retirable) == (False, 3, ("k1",))
    _assert_readable(store, expected)


def test_a_row_that_cannot_be_rewrapped_is_reported_not_fatal(
    file_store: LocalCredentialStore,
) -> None:
    expected = _fill(file_store, 4)
    blob = raw_row(file_store.engine, "acme", "conn-01")["wrapped_key"]
    assert isinstance(blob, bytes)
    update_row(file_store.engine, "acme", "conn-01", wrapped_key=b"\x00" + blob[1:])
    old = file_store.wrapper.primary_key_id()
    report = rotate(file_store, batch_size=2)
    assert report.rewrapped == 3
    assert len(report.failed) == 1
    assert report.failed[0].startswith("acme/conn-01:")
    assert report.retirable == ()
    assert file_store.key_usage()[old] == 1
    del expected["conn-01"]
    _assert_readable(file_store, expected)


def test_batch_size_must_be_positive(file_store: LocalCredentialStore) -> None:
    with pytest.raises(ConfigurationError):
        rotate(file_store, batch_size=0)


@pytest.mark.postgres
def test_crash_and_resume_on_postgresql(postgres_url: str, key_file: Path) -> None:
    engine = make_engine(postgres_url)
    try:
        store = LocalCredentialStore(engine, LocalKeyring.load(key_file))
        expected = _fill(store, 5)
        old = store.wrapper.primary_key_id()

        def crash(progress: RotationProgress) -> None:
            raise RuntimeError("simulated crash")

        with pytest.raises(RuntimeError):
            rotate(store, batch_size=2, progress=crash)
        new = store.wrapper.primary_key_id()
        assert store.key_usage() == {new: 2, old: 3}
        _assert_readable(store, expected)
        report = rotate(store, batch_size=2)
        assert (report.new_key, report.rewrapped, report.retirable) == (False, 3, (old,))
        retire_key(store, old)
        _assert_readable(LocalCredentialStore(engine, LocalKeyring.load(key_file)), expected)
    finally:
        engine.dispose()
