"""The --out JSONL sink: where a resumed sync starts writing, and refusing a truncated file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from canonical import ConfigurationError, Customer, Source
from registry import RunStatus, SyncState
from registry.cli._jsonl import JsonlSink, resume_offset


def state(status: RunStatus, out: Path | None, offset: int) -> SyncState:
    return SyncState(
        connection_id="c",
        stream="customers",
        cursor={"offset": 1},
        consumer_state={"out": str(out), "offset": offset} if out else None,
        records_synced=1,
        last_status=status,
        updated_at=datetime.now(UTC),
    )


def test_resume_offset_only_for_an_interrupted_run_into_the_same_file(tmp_path: Path) -> None:
    out = tmp_path / "a.jsonl"
    assert resume_offset(out, None, full=False) == 0
    assert resume_offset(out, state(RunStatus.RUNNING, out, 42), full=False) == 42
    assert resume_offset(out, state(RunStatus.FAILED, out, 42), full=False) == 42
    assert resume_offset(out, state(RunStatus.RUNNING, out, 42), full=True) == 0
    assert resume_offset(out, state(RunStatus.SUCCEEDED, out, 42), full=False) == 0
    assert resume_offset(out, state(RunStatus.RUNNING, tmp_path / "b.jsonl", 42), False) == 0
    assert resume_offset(out, state(RunStatus.RUNNING, None, 0), full=False) == 0


def test_sink_truncates_to_the_checkpoint_and_appends(tmp_path: Path) -> None:
    out = tmp_path / "a.jsonl"
    out.write_bytes(b'{"kept": 1}\n{"uncommitted": 2}\n')
    sink = JsonlSink(out, offset=len(b'{"kept": 1}\n'))
    customer = Customer(remote_id="cus_1", source=Source(adapter="fake", connection_id="c"))
    sink.write(customer)
    saved = sink.checkpoint()
    sink.close()
    lines = out.read_text().splitlines()
    assert lines[0] == '{"kept": 1}'
    assert Customer.model_validate_json(lines[1]) == customer
    assert len(lines) == 2
    assert saved == {"out": str(out.resolve()), "offset": out.stat().st_size}


def test_sink_refuses_a_file_shorter_than_the_checkpoint(tmp_path: Path) -> None:
    out = tmp_path / "a.jsonl"
    out.write_bytes(b"12345")
    with pytest.raises(ConfigurationError, match="holds 5 bytes but the interrupted sync had"):
        JsonlSink(out, offset=10)
    assert out.read_bytes() == b"12345"
