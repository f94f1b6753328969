"""``canonry schedules ...`` and ``canonry sync runs`` through Typer's runner."""

from __future__ import annotations

import json

import pytest

from tests.registry.cli import canonry

pytestmark = pytest.mark.usefixtures("billing")


def _json(*args: str) -> object:
    code, out, err = canonry(*args, "--json")
    assert code == 0, err
    return json.loads(out)


def test_add_list_pause_resume_remove() -> None:
    added = _json("schedules", "add", "billing", "customers", "--every", "15m",
                  "--full-every", "7d")  # fmt: skip
    assert isinstance(added, dict)
    assert (added["every"], added["full_every"], added["status"]) == ("15m", "7d", "active")
    assert added["next_run_at"] is not None
    assert added["cron"].split()[1].endswith("/15")
    listed = _json("schedules", "list")
    assert [s["id"] for s in listed] == [added["id"]]  # type: ignore[union-attr]
    paused = _json("schedules", "pause", "billing", "customers")
    assert paused["status"] == "paused"  # type: ignore[index]
    resumed = _json("schedules", "resume", "billing", "customers")
    assert resumed["status"] == "active"  # type: ignore[index]
    code, out, _ = canonry("schedules", "list")
    assert code == 0
    assert "every 15m" in out
    code, out, _ = canonry("schedules", "remove", "billing", "customers")
    assert (code, out.strip()) == (0, "schedule of billing/customers removed")
    assert _json("schedules", "list") == []
    actions = {a["action"] for a in _json("audit")}  # type: ignore[index, union-attr]
    assert {"schedule.add", "schedule.pause", "schedule.resume", "schedule.remove"} <= actions


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--every", "7m"), "does not divide"),
        (("--every", "soon"), "is not a duration"),
        (("--cron", "every day"), "is not a cron expression"),
        (("--every", "1m", "--cron", "* * * * *"), "exactly one of --every and --cron"),
        ((), "exactly one of --every and --cron"),
    ],
)
def test_bad_schedules_are_refused_with_a_hint(args: tuple[str, ...], message: str) -> None:
    code, _, err = canonry("schedules", "add", "billing", "customers", *args)
    assert code == 2
    assert message in err
    assert "—" in err


def test_one_schedule_per_stream_and_known_streams_only() -> None:
    assert canonry("schedules", "add", "billing", "customers", "--cron", "*/5 * * * *")[0] == 0
    code, _, err = canonry("schedules", "add", "billing", "customers", "--every", "1h")
    assert code == 2
    assert "already has a schedule" in err
    code, _, err = canonry("schedules", "add", "billing", "orders", "--every", "1h")
    assert code == 2
    assert "no stream 'orders'" in err
    code, _, err = canonry("schedules", "pause", "nobody", "customers")
    assert code == 3


def test_run_now_queues_a_tick_for_the_workers() -> None:
    canonry("schedules", "add", "billing", "customers", "--every", "1h")
    code, out, err = canonry("schedules", "run-now", "billing", "customers")
    assert code == 0, err
    assert out.startswith("queued tick sched-canonry-sync:")


def test_sync_runs_shows_the_history() -> None:
    code, _, err = canonry("sync", "billing", "customers")
    assert code == 0, err
    runs = _json("sync", "runs", "billing")
    assert isinstance(runs, list)
    assert [(r["trigger"], r["status"], r["records"], r["changed"]) for r in runs] == [
        ("manual", "succeeded", 250, 250)
    ]
    code, out, _ = canonry("sync", "runs")
    assert code == 0
    assert "manual" in out
    assert "250" in out
    assert canonry("sync", "runs", "nobody")[0] == 3
    assert canonry("sync", "run", "billing", "customers")[0] == 0
    assert len(_json("sync", "runs")) == 2  # type: ignore[arg-type]
