"""Webhook handlers: functions run for each processed canonical event whose type matches.

Register in code with the ``on`` decorator, or publish a module in the entry-point group
``canonry.webhook_handlers`` whose import registers them (``canonry worker --handlers``
and ``CANONRY_HANDLERS`` import ``module`` or ``module:attr`` the same way)::

    import webhooks

    @webhooks.on("invoice.paid", max_attempts=5)
    def record_payment(event: canonical.Event, *, idempotency_key: str) -> None:
        ...  # apply the effect once per idempotency_key (e.g. INSERT ... ON CONFLICT DO NOTHING)

A handler runs at least once per event; the idempotency key (``"{item_id}:{handler}"``)
is the same on every attempt, after a crash and on replay, so an effect keyed by it is
applied exactly once.

**Stale events.** Vendors redeliver out of order: an event older than one already applied
for the same object is *stale*. A handler that applies state (``"invoice.*"``, ``"*"``:
copying the object somewhere) must skip it, or the copy goes back in time; a handler that
reacts to a business event (``"invoice.paid"``: send the receipt) must still run.
``stale="skip"`` or ``stale="run"`` says which; by default a handler registered for exact
event names runs (``"run"``) and one with a wildcard pattern skips (``"skip"``).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

from canonical import ConfigurationError

if TYPE_CHECKING:
    from canonical import Event

__all__ = [
    "DEFAULT_HANDLERS",
    "Handler",
    "HandlerFunc",
    "HandlerRegistry",
    "StalePolicy",
    "on",
]

StalePolicy = Literal["skip", "run"]
"""What a handler does with a stale event (older than one already applied for its object)."""

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.:-]{0,199}$")
_PATTERN = re.compile(r"^(\*|[A-Za-z0-9_-]+(\.[A-Za-z0-9_*-]+)*(\.\*)?)$")


class HandlerFunc(Protocol):
    """``handler(event, *, idempotency_key)``; raise to have the attempt retried."""

    def __call__(self, event: Event, *, idempotency_key: str) -> None: ...


@dataclass(frozen=True)
class Handler:
    """A registered handler and its retry policy."""

    name: str
    patterns: tuple[str, ...]
    func: HandlerFunc
    max_attempts: int = 5
    retry_interval: float = 1.0
    """Seconds before the second attempt; multiplied by ``backoff_rate`` after each."""
    backoff_rate: float = 2.0
    stale: StalePolicy | None = None
    """None: ``"run"`` when every pattern is an exact event name, else ``"skip"``."""

    @property
    def runs_on_stale(self) -> bool:
        """Does this handler run for a stale event?"""
        if self.stale is not None:
            return self.stale == "run"
        return not any("*" in p for p in self.patterns)

    def matches(self, *event_types: str) -> bool:
        """Does any pattern match any of ``event_types`` (``*`` and ``invoice.*`` globs)?"""
        return any(fnmatch.fnmatchcase(t, p) for p in self.patterns for t in event_types if t)


def _check_pattern(pattern: str) -> str:
    if not _PATTERN.match(pattern):
        raise ConfigurationError(
            f"invalid handler pattern {pattern!r}",
            hint="use an event type ('invoice.paid'), a prefix glob ('invoice.*') or '*'",
        )
    return pattern


@dataclass
class HandlerRegistry:
    """Handlers by unique name; ``matching`` returns them in a stable (name) order."""

    _handlers: dict[str, Handler] = field(default_factory=dict)

    def add(self, handler: Handler) -> Handler:
        if not _NAME.match(handler.name):
            raise ConfigurationError(
                f"invalid handler name {handler.name!r}",
                hint="use letters, digits and '_.:-' (at most 200 characters)",
            )
        if handler.max_attempts < 1 or handler.retry_interval < 0 or handler.backoff_rate < 1:
            raise ConfigurationError(
                f"invalid retry policy for handler {handler.name!r}",
                hint="max_attempts >= 1, retry_interval >= 0, backoff_rate >= 1",
            )
        if handler.stale not in (None, "skip", "run"):
            raise ConfigurationError(
                f"invalid stale policy {handler.stale!r} for handler {handler.name!r}",
                hint='use stale="skip" (state) or stale="run" (business events)',
            )
        for pattern in handler.patterns:
            _check_pattern(pattern)
        existing = self._handlers.get(handler.name)
        if existing is not None and existing.func is not handler.func:
            raise ConfigurationError(
                f"a different handler named {handler.name!r} is already registered",
                hint="give the handler a unique name with on(..., name=...)",
            )
        self._handlers[handler.name] = handler
        return handler

    def on(
        self,
        *patterns: str,
        name: str | None = None,
        max_attempts: int = 5,
        retry_interval: float = 1.0,
        backoff_rate: float = 2.0,
        stale: StalePolicy | None = None,
    ) -> Callable[[HandlerFunc], HandlerFunc]:
        """Decorator: run the function for events whose type matches one of ``patterns``.

        ``stale``: ``"skip"`` or ``"run"`` for events older than one already applied for
        the object (see the module docstring); None picks by pattern."""
        if not patterns:
            raise ConfigurationError("on() needs at least one event pattern", hint="on('*')")

        def register(func: HandlerFunc) -> HandlerFunc:
            label = name or f"{func.__module__}.{getattr(func, '__qualname__', repr(func))}"
            self.add(
                Handler(label, patterns, func, max_attempts, retry_interval, backoff_rate, stale)
            )
            return func

        return register

    def remove(self, name: str) -> None:
        self._handlers.pop(name, None)

    def clear(self) -> None:
        self._handlers.clear()

    def get(self, name: str) -> Handler | None:
        return self._handlers.get(name)

    def matching(self, *event_types: str) -> list[Handler]:
        return [h for n, h in sorted(self._handlers.items()) if h.matches(*event_types)]

    def all(self) -> list[Handler]:
        return [self._handlers[n] for n in sorted(self._handlers)]

    def names(self) -> list[str]:
        return sorted(self._handlers)

    def __len__(self) -> int:
        return len(self._handlers)

    def extend(self, handlers: Iterable[Handler]) -> None:
        for handler in handlers:
            self.add(handler)


DEFAULT_HANDLERS = HandlerRegistry()
"""The process-wide registry that ``webhooks.on`` adds to and ``canonry worker`` runs."""

on = DEFAULT_HANDLERS.on
