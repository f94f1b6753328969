"""Intervals and cron expressions: parsed up front, evenly spaced, offset per schedule."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from canonical import ValidationFailed
from registry.schedules._timing import (
    cron_for_interval,
    describe_seconds,
    next_fire,
    parse_duration,
    valid_cron,
)

START = datetime(2026, 12, 5, 10, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "seconds"), [("30s", 30), ("15m", 900), ("6h", 21600), ("7d", 604800), (" 2M ", 120)]
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "15", "0m", "1w", "-5m", "1.5h", "m"])
def test_bad_durations_say_how_to_write_them(text: str) -> None:
    with pytest.raises(ValidationFailed, match="is not a duration") as caught:
        parse_duration(text)
    assert "15m" in (caught.value.hint or "")


@pytest.mark.parametrize("seconds", [1, 5, 30, 60, 300, 900, 3600, 7200, 21600, 86400, 604800])
def test_an_interval_fires_evenly(seconds: int) -> None:
    cron = cron_for_interval(seconds, "schedule-a")
    fires = [next_fire(cron, START)]
    for _ in range(4):
        fires.append(next_fire(cron, fires[-1]))
    gaps = {(b - a).total_seconds() for a, b in itertools.pairwise(fires)}
    assert gaps == {float(seconds)}
    assert (fires[0] - START).total_seconds() <= seconds


def test_schedules_of_one_interval_are_spread_over_it() -> None:
    firsts = {next_fire(cron_for_interval(900, f"s{i}"), START) for i in range(20)}
    assert len(firsts) > 10


@pytest.mark.parametrize("seconds", [7, 45, 420, 5400, 2 * 86400])
def test_uneven_intervals_are_refused_with_a_way_out(seconds: int) -> None:
    with pytest.raises(ValidationFailed, match="evenly") as caught:
        cron_for_interval(seconds, "x")
    assert "--cron" in (caught.value.hint or "")


def test_cron_expressions() -> None:
    assert valid_cron("  */15  * * * * ") == "*/15 * * * *"
    assert next_fire("*/15 * * * *", START) == START.replace(minute=15)
    assert next_fire("*/2 * * * * *", START) == START.replace(second=2)
    for bad in ("* * *", "61 * * * *", "every minute", "* * * * * * *"):
        with pytest.raises(ValidationFailed, match="not a cron expression"):
            valid_cron(bad)


def test_describe() -> None:
    assert [describe_seconds(s) for s in (45, 900, 7200, 604800)] == ["45s", "15m", "2h", "7d"]
