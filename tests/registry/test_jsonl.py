"""The --out JSONL sink: where a sync starts writing, and never touching a file it did not write."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from canonical import ConfigurationError, Customer, Source
from registry import RunStatus, SyncState
from registry.cli._jsonl import HEAD_BYTES, JsonlSink, OutputPlan, plan_output

CUSTOMER = Customer(remote_id="cus_1", source=Source(adapter="fake", connection_id="c"))


def state(status: RunStatus, saved: dict[str, Any] | None) -> SyncState:
    return SyncState(
        connection_id="c",
        stream="customers",
        cursor={"offset": 1},
        consumer_state=saved,
        records_synced=1,
        last_status=status,
        updated_at=datetime.now(UTC),
    )


def written(path: Path, lines: int, start: OutputPlan | None = None) -> dict[str, Any]:
    """Write ``lines`` records through a sink and return its checkpoint."""
    sink = JsonlSink(path, start or OutputPlan("new", 0))
    for _ in range(lines):
        sink.write(CUSTOMER)
    saved = sink.checkpoint()
    sink.close()
    return saved


def test_a_missing_or_empty_file_is_written_from_the_start(tmp_path: Path) -> None:
    out = tmp_path / "a.jsonl"
    assert plan_output(out, None, overwrite=False) == OutputPlan("new", 0)
    out.touch()
    assert plan_output(out, state(RunStatus.SUCCEEDED, None), overwrite=False).offset == 0


def test_a_foreign_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    for saved in (None, written(tmp_path / "other.jsonl", 2)):
        with pytest.raises(ConfigurationError, match="is not the file this sync wrote") as info:
            plan_output(notes, state(RunStatus.SUCCEEDED, saved), overwrite=False)
        assert "--overwrite" in str(info.value)
    assert notes.read_text() == "my notes\n"
    assert plan_output(notes, None, overwrite=True) == OutputPlan("overwrite", 0)


def test_a_finished_runs_file_is_appended_to(tmp_path: Path) -> None:
    out = tmp_path / "a.jsonl"
    saved = written(out, 3)
    size = out.stat().st_size
    plan = plan_output(out.resolve(), state(RunStatus.SUCCEEDED, saved), overwrite=False)
    assert plan == OutputPlan("append", size)
    written(out, 2, plan)
    assert len(out.read_text().splitlines()) == 5


def test_an_interrupted_run_is_cut_back_to_its_checkpoint_only(tmp_path: Path) -> None:
    out = tmp_path / "a.jsonl"
    saved = written(out, 3)
    with out.open("ab") as f:
        f.write(b'{"uncommitted": tru')  # the page after the checkpoint, cut short by a kill
    for status in (RunStatus.RUNNING, RunStatus.FAILED, RunStatus.CANCELLED):
        plan = plan_output(out.resolve(), state(status, saved), overwrite=False)
        assert plan == OutputPlan("resume", saved["offset"])
    written(out, 1, plan)
    assert len(out.read_text().splitlines()) == 4
    assert all(
        Customer.model_validate_json(line) == CUSTOMER for line in out.read_text().splitlines()
    )


def test_a_replaced_or_edited_file_is_not_ours_any_more(tmp_path: Path) -> None:
    out = tmp_path / "a.jsonl"
    saved = written(out, 3)
    text = out.read_text()
    replaced = tmp_path / "replacement"
    replaced.write_text(text)
    os.replace(replaced, out)  # same bytes, another file (inode)
    with pytest.raises(ConfigurationError, match="not the file this sync wrote"):
        plan_output(out.resolve(), state(RunStatus.SUCCEEDED, saved), overwrite=False)
    saved = written(out, 0, OutputPlan("append", out.stat().st_size))
    out.write_text("X" + text[1:])  # same file, its head edited
    with pytest.raises(ConfigurationError, match="not the file this sync wrote"):
        plan_output(out.resolve(), state(RunStatus.RUNNING, saved), overwrite=False)


def test_the_head_hash_is_bounded_and_stable_past_it(tmp_path: Path) -> None:
    out = tmp_path / "a.jsonl"
    lines = HEAD_BYTES // len(CUSTOMER.model_dump_json()) + 10
    first = written(out, lines)
    assert first["offset"] > HEAD_BYTES
    second = written(out, 5, OutputPlan("append", first["offset"]))
    assert second["head"] == first["head"]
    assert plan_output(out.resolve(), state(RunStatus.RUNNING, second), overwrite=False).mode == (
        "resume"
    )


def test_a_file_shorter_than_the_checkpoint_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "a.jsonl"
    saved = {"out": str(out.resolve()), "offset": 10}  # a checkpoint from before identities
    out.write_bytes(b"12345")
    with pytest.raises(ConfigurationError, match="holds 5 bytes but the interrupted sync had"):
        plan_output(out.resolve(), state(RunStatus.RUNNING, saved), overwrite=False)
    assert out.read_bytes() == b"12345"


def test_new_files_are_private(tmp_path: Path) -> None:
    out = tmp_path / "a.jsonl"
    written(out, 1)
    assert out.stat().st_mode & 0o777 == 0o600
