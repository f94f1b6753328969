"""`canonry sync` never destroys data it did not write and never drops records by accident."""

from __future__ import annotations

import json
from pathlib import Path

from registry import Registry
from tests.registry.cli import canonry
from tests.registry.fake_adapter import FakeAPI


def remote_ids(path: Path) -> list[str]:
    return [json.loads(line)["remote_id"] for line in path.read_text().splitlines()]


def cursor_of(env: dict[str, str]) -> object:
    with Registry(env["CANONRY_DATABASE_URL"], tenant="acme", adapters={}) as registry:
        state = registry.sync_state("billing", "customers")
    return None if state is None else state.cursor


def test_a_file_canonry_did_not_write_is_refused(billing: str, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("groceries\n")
    code, out, err = canonry("sync", "billing", "customers", "--out", str(notes))
    assert code == 2
    assert out == ""
    assert err.startswith(f"error: {notes} is not empty (10 bytes) and is not the file")
    assert "--overwrite" in err
    assert len(err.strip().splitlines()) == 1
    assert notes.read_text() == "groceries\n"
    code, _, err = canonry("sync", "billing", "customers", "--out", str(notes), "--overwrite")
    assert code == 0, err
    assert len(remote_ids(notes)) == 250


def test_new_runs_append_to_the_file_they_wrote(
    billing: str, fake_api: FakeAPI, tmp_path: Path
) -> None:
    out = tmp_path / "customers.jsonl"
    assert canonry("sync", "billing", "customers", "--out", str(out))[0] == 0
    fake_api.total = 256  # six new customers for the incremental run
    code, stdout, _ = canonry("sync", "billing", "customers", "--out", str(out))
    assert code == 0
    assert "appended" in stdout
    assert remote_ids(out) == [f"cus_{i:08d}" for i in range(256)]


def test_an_interrupted_run_resumes_cutting_only_its_own_tail(
    billing: str, fake_api: FakeAPI, tmp_path: Path
) -> None:
    out = tmp_path / "customers.jsonl"
    assert canonry("sync", "billing", "customers", "--out", str(out))[0] == 0
    fake_api.total, fake_api.bad_record = 500, 420  # the 2nd page of the new run fails
    code, _, err = canonry("sync", "billing", "customers", "--out", str(out))
    assert code == 1
    assert "remote_id" in err
    assert len(remote_ids(out)) == 350  # the first run's 250 + one committed page
    with out.open("a") as f:
        f.write('{"remote_id": "half-writ')  # as if killed in the middle of a record
    fake_api.bad_record = None
    code, stdout, err = canonry("sync", "billing", "customers", "--out", str(out))
    assert code == 0, err
    assert "resumed" in stdout
    assert remote_ids(out) == [f"cus_{i:08d}" for i in range(500)]


def test_a_first_run_killed_before_its_first_checkpoint_resumes(
    billing: str, fake_api: FakeAPI, tmp_path: Path, initialised: dict[str, str]
) -> None:
    out = tmp_path / "customers.jsonl"
    fake_api.bad_record = 10  # the first page fails: nothing committed
    assert canonry("sync", "billing", "customers", "--out", str(out))[0] == 1
    out.write_text('{"remote_id": "cus_00000000"}\n{"rem')  # what a killed run left behind
    fake_api.bad_record = None
    code, _, err = canonry("sync", "billing", "customers", "--out", str(out))
    assert code == 0, err
    assert remote_ids(out) == [f"cus_{i:08d}" for i in range(250)]


def test_sync_without_out_keeps_every_record_in_the_store(
    billing: str, initialised: dict[str, str]
) -> None:
    """No run can advance past records it did not keep: the record store always gets them."""
    code, out, err = canonry("sync", "billing", "customers")
    assert code == 0, err
    assert "changed in the store" in out
    assert cursor_of(initialised) == {"offset": 250}
    with Registry(initialised["CANONRY_DATABASE_URL"], tenant="acme", adapters={}) as registry:
        assert registry.count_records("customers") == 250
        assert registry.sync_runs("billing")[0].changed == 250
    code, _, err = canonry("sync", "billing", "customers", "--out", "x.jsonl", "--dry-run")
    assert code == 2
    assert "exclude each other" in err
    code, _, err = canonry("sync", "billing", "customers", "--overwrite")
    assert code == 2
    assert "--overwrite needs --out FILE" in err


def test_dry_run_counts_and_saves_nothing(
    billing: str, initialised: dict[str, str], tmp_path: Path
) -> None:
    code, out, err = canonry("sync", "billing", "customers", "--dry-run")
    assert code == 0, err
    assert "Customer" in out
    assert "250" in out
    assert "nothing" in out
    assert cursor_of(initialised) is None
    assert list(tmp_path.glob("*.jsonl")) == []
    with Registry(initialised["CANONRY_DATABASE_URL"], tenant="acme", adapters={}) as registry:
        assert registry.sync_runs("billing") == []
        assert registry.audit_log()[0].action == "connection.add"
