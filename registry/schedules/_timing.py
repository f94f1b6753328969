"""When a schedule fires: intervals (``15m``) and cron expressions, checked up front.

DBOS evaluates six-field cron expressions with the seconds first (and standard five-field
ones). An interval becomes a cron expression that divides the minute, hour or day evenly,
offset by a stable amount derived from the schedule id, so schedules of one interval do
not all fire in the same second.
"""

from __future__ import annotations

import re
import zlib
from datetime import datetime

from croniter import croniter  # type: ignore[import-untyped]

from canonical import ValidationFailed

__all__ = ["cron_for_interval", "describe_seconds", "next_fire", "parse_duration", "valid_cron"]

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")


def parse_duration(text: str, *, what: str = "--every") -> int:
    """Seconds in ``30s``, ``15m``, ``6h`` or ``7d``."""
    found = _DURATION.match(text.lower())
    if found is None or int(found.group(1)) == 0:
        raise ValidationFailed(
            f"{what} {text!r} is not a duration", hint="write it as 30s, 15m, 6h or 7d"
        )
    return int(found.group(1)) * _UNITS[found.group(2)]


def describe_seconds(seconds: int) -> str:
    """``15m`` for 900: the largest unit that divides it."""
    for unit in ("d", "h", "m"):
        if seconds % _UNITS[unit] == 0:
            return f"{seconds // _UNITS[unit]}{unit}"
    return f"{seconds}s"


def _offset(seed: str, modulo: int) -> int:
    return zlib.crc32(seed.encode()) % modulo


def cron_for_interval(seconds: int, seed: str) -> str:
    """A six-field cron expression firing every ``seconds`` (seconds first)."""
    sec, minute, hour = _offset(seed, 60), _offset(seed + "m", 60), _offset(seed + "h", 24)
    if seconds < 60 and 60 % seconds == 0:
        return f"*/{seconds} * * * * *"
    if seconds % 60 == 0 and seconds < 3600 and 60 % (seconds // 60) == 0:
        step = seconds // 60
        return f"{sec} {minute % step}-59/{step} * * * *"
    if seconds % 3600 == 0 and seconds < 86400 and 24 % (seconds // 3600) == 0:
        step = seconds // 3600
        return f"{sec} {minute} {hour % step}-23/{step} * * *"
    if seconds == 86400:
        return f"{sec} {minute} {hour} * * *"
    if seconds == 7 * 86400:
        return f"{sec} {minute} {hour} * * {_offset(seed + 'w', 7)}"
    raise ValidationFailed(
        f"--every {describe_seconds(seconds)} does not divide a minute, hour or day evenly",
        hint="use e.g. 10s, 15m, 2h, 1d or 7d, or give a --cron expression",
    )


def valid_cron(expression: str) -> str:
    """The expression, stripped, if DBOS can run it (five fields, or six with seconds)."""
    cleaned = " ".join(expression.split())
    fields = len(cleaned.split(" "))
    if fields not in (5, 6) or not croniter.is_valid(cleaned, second_at_beginning=True):
        raise ValidationFailed(
            f"--cron {expression!r} is not a cron expression",
            hint='use five fields ("*/15 * * * *") or six with seconds first ("0 */15 * * * *")',
        )
    return cleaned


def next_fire(expression: str, after: datetime) -> datetime:
    """When the expression next fires after ``after`` (UTC, as DBOS evaluates it)."""
    found: datetime = croniter(expression, after, second_at_beginning=True).get_next(datetime)
    return found
