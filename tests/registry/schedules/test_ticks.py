"""Schedules fired by DBOS in this process (SQLite): every tick once, never two runs of one
stream at once, skipped ticks recorded, the periodic full sync reconciling deletions."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest

from registry.schedules import sync_history
from registry.schedules._claim import run_id_for
from tests.registry.schedules.conftest import ScheduleEnv, wait_for


def _utc(value: Any) -> Any:
    from registry._models import as_utc

    return as_utc(value)


def _assert_no_overlap(runs: list[Any]) -> None:
    """Runs of one stream, in start order: each ended before the next began."""
    ordered = sorted(runs, key=lambda r: _utc(r.started_at))
    for earlier, later in itertools.pairwise(ordered):
        assert earlier.finished_at is not None, f"run {earlier.id} never finished"
        assert _utc(earlier.finished_at) <= _utc(later.started_at), (earlier.id, later.id)


def _assert_one_tick_per_second(ticks: list[Any]) -> None:
    times = [_utc(t.scheduled_at) for t in ticks if t.trigger == "schedule"]
    assert len(times) == len(set(times)), "a scheduled time ran twice"
    ordered = sorted(times)
    gaps = {(b - a) for a, b in itertools.pairwise(ordered)}
    assert gaps == {timedelta(seconds=1)}, f"ticks are not one per second: {sorted(gaps)}"


@pytest.mark.slow
def test_every_second_runs_each_tick_once_and_never_concurrently(sqlite_env: ScheduleEnv) -> None:
    env = sqlite_env
    env.launch()
    book = env.schedules()
    added = book.add("shop", "customers", every="1s")
    assert (added.every, added.status, added.cron) == ("1s", "active", "*/1 * * * * *")
    wait_for(lambda: len([t for t in env.ticks() if t.status == "succeeded"]) >= 6,
             "six successful ticks")  # fmt: skip
    book.pause("shop", "customers")
    paused = book.get("shop", "customers")
    assert paused.status == "paused"
    assert paused.next_run_at is None
    wait_for(lambda: not book.get("shop", "customers").running, "the last run to finish")
    ticks = env.ticks()
    _assert_one_tick_per_second(ticks)
    runs = env.runs()
    _assert_no_overlap(runs)
    assert {t.status for t in ticks} <= {"succeeded", "skipped"}
    assert {t.sync_run_id for t in ticks if t.status == "succeeded"} <= {r.id for r in runs}
    for tick in ticks:
        if tick.sync_run_id:
            assert tick.sync_run_id == run_id_for(tick.id)
    assert runs[0].records == 250
    assert runs[0].status == "succeeded"
    assert env.registry.count_records("customers") == 250
    assert all(r.status == "succeeded" for r in runs)


@pytest.mark.slow
def test_a_tick_that_finds_a_run_in_progress_is_skipped_and_recorded(
    sqlite_env: ScheduleEnv,
) -> None:
    env = sqlite_env
    env.api.gate.clear()  # the first run blocks on its first page
    env.launch()
    book = env.schedules()
    book.add("shop", "customers", every="1s")
    wait_for(lambda: len([t for t in env.ticks() if t.status == "skipped"]) >= 3,
             "three ticks skipped while the first run is held")  # fmt: skip
    assert book.get("shop", "customers").running
    env.api.gate.set()
    wait_for(lambda: any(t.status == "succeeded" for t in env.ticks()), "the held run to finish")
    book.pause("shop", "customers")
    wait_for(lambda: not book.get("shop", "customers").running, "the last run to finish")
    ticks = env.ticks()
    skipped = [t for t in ticks if t.status == "skipped"]
    held = next(t for t in ticks if t.status == "succeeded")
    assert all(f"in progress (tick {held.id})" in (t.note or "") for t in skipped[:3])
    _assert_no_overlap(env.runs())
    history = sync_history(env.engine, "acme", connection_id=env.connection_id, limit=500)
    assert {e.status for e in history if e.run_id is None} >= {"skipped"}
    assert all(e.trigger == "schedule" for e in history)


@pytest.mark.slow
def test_the_periodic_full_sync_tombstones_what_the_vendor_deleted(
    sqlite_env: ScheduleEnv,
) -> None:
    env = sqlite_env
    env.launch()
    book = env.schedules()
    book.add("shop", "customers", every="1s", full_every="2s")
    wait_for(lambda: env.registry.count_records("customers") == 250, "the first sync")
    env.api.total = 200  # the vendor deleted its 50 newest customers
    wait_for(lambda: env.registry.count_records("customers") == 200, "a full sync to reconcile")
    book.pause("shop", "customers")
    assert env.registry.count_records("customers", include_deleted=True) == 250
    fulls = [t for t in env.ticks() if t.full and t.status == "succeeded"]
    assert len(fulls) >= 2
    incremental = [t for t in env.ticks() if not t.full and t.status == "succeeded"]
    assert incremental, "ticks between full syncs are incremental"
    runs = {r.id: r for r in env.runs()}
    assert any(runs[t.sync_run_id].deleted == 50 for t in fulls)


def test_run_now_and_a_failing_sync(sqlite_env: ScheduleEnv) -> None:
    env = sqlite_env
    env.launch()
    book = env.schedules()
    book.add("shop", "customers", cron="0 0 1 1 *")  # yearly: only run-now fires here
    tick_id = book.run_now("shop", "customers")
    assert "-trigger-" in tick_id
    wait_for(lambda: (book.tick_status(tick_id) or ("",))[0] == "succeeded", "the run-now tick")
    env.api.total, env.api.bad_record = 300, 260  # the next run meets an unmappable record
    failed_id = book.run_now("shop", "customers")
    wait_for(lambda: (book.tick_status(failed_id) or ("",))[0] == "failed", "the failing tick")
    _status, note = book.tick_status(failed_id) or ("", None)
    assert note is not None
    assert "MappingError" in note
    history = sync_history(env.engine, "acme", limit=10)
    assert [e.trigger for e in history[:2]] == ["run-now", "run-now"]
    assert history[0].status == "failed"
    assert "MappingError" in (history[0].error or "")
    assert not book.get("shop", "customers").running
