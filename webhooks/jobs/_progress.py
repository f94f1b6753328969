"""What a job remembers between its rounds: handlers done, attempts, errors, the event.

A job whose handlers all succeed in its first round records none of this (its outcome is
one write). When something fails and a retry is scheduled, the progress is written with it
(the inbox row's ``progress``), so the next round runs only what is left, with the same
canonical event, and counts attempts on from where the last round stopped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from canonical import Event

__all__ = ["Progress", "backoff"]


def backoff(interval: float, rate: float, tries: int, cap: float = math.inf) -> float:
    """The wait after the ``tries``-th failed attempt: ``interval`` after the first, times
    ``rate`` after each further one, at most ``cap``."""
    if tries < 1:
        return 0.0
    return float(min(cap, interval * rate ** (tries - 1)))


@dataclass
class Progress:
    """A job's state between rounds (JSON in the inbox row)."""

    done: list[str] = field(default_factory=list)
    """Handlers that succeeded."""
    tries: dict[str, int] = field(default_factory=dict)
    """Attempts per handler that failed at least once."""
    due: dict[str, float] = field(default_factory=dict)
    """When each failing handler's next attempt is due (unix seconds)."""
    errors: dict[str, str] = field(default_factory=dict)
    """The last error of each failing handler (``Type: message``)."""
    given_up: list[str] = field(default_factory=list)
    """Handlers out of attempts, or failed with an error that is not retryable."""
    read_tries: int = 0
    """Failed attempts at reading the event (vendor fetch, credentials)."""
    busy: int = 0
    """Times the event could not be read because the vendor's bulkhead was full."""
    blocked: int = 0
    """Times the job stepped aside for an older unfinished event about its object."""
    event: dict[str, Any] | None = None
    """The canonical event the handlers got (JSON), once it was read."""

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Progress:
        if not data:
            return cls()
        return cls(
            done=[str(n) for n in data.get("done", [])],
            tries={str(k): int(v) for k, v in data.get("tries", {}).items()},
            due={str(k): float(v) for k, v in data.get("due", {}).items()},
            errors={str(k): str(v) for k, v in data.get("errors", {}).items()},
            given_up=[str(n) for n in data.get("given_up", [])],
            read_tries=int(data.get("read_tries", 0)),
            busy=int(data.get("busy", 0)),
            blocked=int(data.get("blocked", 0)),
            event=data.get("event"),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "done": sorted(self.done),
            "tries": dict(sorted(self.tries.items())),
            "due": dict(sorted(self.due.items())),
            "errors": dict(sorted(self.errors.items())),
            "given_up": sorted(self.given_up),
            "read_tries": self.read_tries,
            "busy": self.busy,
            "blocked": self.blocked,
            "event": self.event,
        }

    def stored_event(self) -> Event | None:
        return Event.model_validate(self.event) if self.event is not None else None

    def keep_event(self, event: Event) -> None:
        self.event = event.model_dump(mode="json")

    @property
    def pending(self) -> list[str]:
        """Handlers that failed and have attempts left."""
        return sorted(set(self.due) - set(self.given_up))

    def error_summary(self) -> str | None:
        """``name: Type: message; ...`` for every handler that failed (None: none)."""
        parts = [f"{name}: {self.errors[name]}" for name in sorted(self.errors)]
        return "; ".join(parts) or None

    def for_replay(self) -> Progress:
        """What a replay keeps: the handlers that succeeded (it skips them), nothing else."""
        return Progress(done=list(self.done))
