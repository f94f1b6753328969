"""Schedules fired by DBOS in this process (SQLite): every tick once, never two runs of one
stream at once, skipped ticks recorded, the periodic full sync reconciling deletions."""

from __future__ import annotations

import itertools
import threading
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


def test_metrics_per_schedule_on_the_process_registry(sqlite_env: ScheduleEnv) -> None:
    from prometheus_client import generate_latest

    from webhooks import METRICS_REGISTRY

    env = sqlite_env
    env.launch()
    book = env.schedules()
    book.add("shop", "customers", cron="0 0 1 1 *")
    tick = book.run_now("shop", "customers")
    wait_for(lambda: (book.tick_status(tick) or ("",))[0] == "succeeded", "the run-now tick")
    text = generate_latest(METRICS_REGISTRY).decode()
    labels = 'connection="shop",stream="customers",tenant="acme"'
    assert f"canonry_schedule_last_records_changed{{{labels}}} 250.0" in text
    assert f"canonry_schedule_running{{{labels}}} 0.0" in text
    ticks = 'connection="shop",outcome="succeeded",stream="customers",tenant="acme"'
    assert f"canonry_schedule_ticks_total{{{ticks}}} 1.0" in text
    line = next(
        ln for ln in text.splitlines()
        if ln.startswith(f"canonry_schedule_last_success_timestamp_seconds{{{labels}}}")
    )  # fmt: skip
    finished = float(line.rsplit(" ", 1)[1])
    run = env.runs()[-1]
    assert abs(finished - _utc(run.finished_at).timestamp()) < 5
    assert f"canonry_schedule_last_duration_seconds{{{labels}}}" in text
    assert "canonry_notify_deliveries" in text


@pytest.mark.slow
def test_a_stopping_worker_interrupts_the_run_which_resumes_on_the_next_start(
    sqlite_env: ScheduleEnv,
) -> None:
    env = sqlite_env
    env.api.total, env.api.hold_after = 1000, 3
    runtime = env.launch()
    book = env.schedules()
    book.add("shop", "customers", cron="0 0 1 1 *")
    tick = book.run_now("shop", "customers")
    assert env.api.waiting.wait(120), "the run never reached its fourth page"
    stopper = threading.Thread(target=runtime.shutdown, kwargs={"timeout": 0})
    stopper.start()
    wait_for(runtime.stopping.is_set, "the runtime to stop")
    env.api.hold_after = None
    env.api.gate.set()  # the held page completes; the run stops at that checkpoint
    stopper.join(timeout=120)
    run = wait_for(lambda: next((r for r in env.runs() if r.status == "interrupted"), None),
                   "the run to stop at its checkpoint")  # fmt: skip
    assert 3 <= run.pages < 10
    assert book.tick_status(tick) == ("running", None)
    env.launch()  # DBOS recovers the unfinished tick: the same run continues
    wait_for(lambda: (book.tick_status(tick) or ("",))[0] == "succeeded", "the resumed tick")
    [final] = env.runs()
    assert (final.id, final.status, final.records, final.pages) == (run.id, "succeeded", 1000, 10)
    assert env.api.offsets.count(0) == 1
    assert env.registry.count_records("customers") == 1000


def test_a_removed_connection_takes_its_schedule_along(sqlite_env: ScheduleEnv) -> None:
    from registry.schedules import dbos_schedule_name

    env = sqlite_env
    book = env.schedules()
    added = book.add("shop", "customers", every="1s")
    env.launch()
    wait_for(lambda: any(t.status == "succeeded" for t in env.ticks()), "a first tick")
    env.registry.remove_connection("shop")
    assert env.ticks() == []  # its history goes with it (foreign keys)
    wait_for(lambda: book.client.get_schedule(dbos_schedule_name(added.id)) is None,
             "the next tick to remove DBOS's schedule")  # fmt: skip


def test_old_skipped_ticks_are_pruned_when_a_run_ends(sqlite_env: ScheduleEnv) -> None:
    from datetime import UTC, datetime

    from registry.schedules._claim import KEEP_SKIPPED, claim, release

    env = sqlite_env
    book = env.schedules()
    schedule = book.add("shop", "customers", cron="0 0 1 1 *")
    now = datetime.now(UTC)
    old, recent = now - KEEP_SKIPPED - timedelta(hours=1), now - timedelta(hours=1)
    book.pause("shop", "customers")
    for name, when in (("old", old), ("recent", recent)):
        plan = claim(env.engine, book.client, schedule_id=schedule.id, workflow_id=name,
                     scheduled_at=when, now=when)  # fmt: skip
        assert plan["status"] == "skipped"
    book.resume("shop", "customers")
    plan = claim(env.engine, book.client, schedule_id=schedule.id, workflow_id="run",
                 scheduled_at=now, now=now)  # fmt: skip
    assert plan["status"] == "run"
    release(env.engine, plan, {"status": "failed", "error": "boom"}, now)
    assert sorted(t.id for t in env.ticks()) == ["recent", "run"]
