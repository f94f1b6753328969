"""Source paths into vendor records, parsed once and compiled into fast getters.

Grammar: segments separated by ``.``; each segment is a key optionally followed by
list subscripts: ``[2]`` (an item, negative counts from the end) or ``[*]`` (every item,
giving a list). Examples: ``email``, ``customer_details.address.city``,
``lines.data[0].price.id``, ``tax_amounts[*].amount``.

A getter never raises: a missing key, an index out of range or a step into something
that is not a dict/list gives ``None``. A path with ``[*]`` gives a flat list.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["Getter", "SourcePath", "parse_path"]

Getter = Callable[[Any], Any]
"""Reads one path from a record (a dict); never raises."""

_SEGMENT = re.compile(r"^([^.\[\]\s]+)((?:\[(?:-?\d+|\*)\])*)$")
_SUBSCRIPT = re.compile(r"\[(-?\d+|\*)\]")


class _All:
    """The ``[*]`` step: every item of a list."""

    def __repr__(self) -> str:
        return "[*]"


_ALL = _All()

Step = str | int | _All
"""A key (``str``), an index (``int``) or every item (``_ALL``)."""


@dataclass(frozen=True)
class SourcePath:
    """A parsed source path: its text, its steps, the top-level key it starts from."""

    text: str
    steps: tuple[Step, ...]

    @property
    def top(self) -> str:
        """The top-level record key the path starts from."""
        first = self.steps[0]
        assert isinstance(first, str)
        return first

    @property
    def fans_out(self) -> bool:
        """True when the path contains ``[*]`` and so yields a list."""
        return any(step is _ALL for step in self.steps)

    def getter(self) -> Getter:
        """A closure reading this path from a record."""
        if not self.fans_out:
            return _plain_getter(self.steps)
        return _fanout_getter(self.steps)


def parse_path(text: str) -> SourcePath:
    """Parse ``text``; a malformed path raises ``ValueError`` saying what is allowed."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("a source path must be a non-empty string such as 'address.city'")
    steps: list[Step] = []
    for segment in text.split("."):
        match = _SEGMENT.match(segment)
        if match is None:
            raise ValueError(
                f"malformed source path {text!r} at segment {segment!r}: use keys separated "
                "by '.', with optional list subscripts [0], [-1] or [*] "
                "(e.g. 'lines.data[0].price.id', 'tax_amounts[*].amount')"
            )
        steps.append(match.group(1))
        for sub in _SUBSCRIPT.findall(match.group(2)):
            steps.append(_ALL if sub == "*" else int(sub))
    return SourcePath(text=text, steps=tuple(steps))


def _plain_getter(steps: tuple[Step, ...]) -> Getter:
    if len(steps) == 1:
        key = steps[0]

        def get_one(record: Any) -> Any:
            return record.get(key) if isinstance(record, dict) else None

        return get_one

    if len(steps) == 2 and all(isinstance(step, str) for step in steps):
        outer, inner = steps

        def get_two(record: Any) -> Any:
            value = record.get(outer) if isinstance(record, dict) else None
            return value.get(inner) if isinstance(value, dict) else None

        return get_two

    def get_many(record: Any) -> Any:
        value = record
        for step in steps:
            if isinstance(step, str):
                if not isinstance(value, dict):
                    return None
                value = value.get(step)
            elif isinstance(step, int):
                if not isinstance(value, list):
                    return None
                try:
                    value = value[step]
                except IndexError:
                    return None
            if value is None:
                return None
        return value

    return get_many


def _fanout_getter(steps: tuple[Step, ...]) -> Getter:
    cut = next(i for i, step in enumerate(steps) if step is _ALL)
    head = _plain_getter(steps[:cut]) if cut else None
    rest = steps[cut + 1 :]
    tail: Getter | None = None
    nested = any(step is _ALL for step in rest)
    if rest:
        tail = _fanout_getter(rest) if nested else _plain_getter(rest)

    def get(record: Any) -> Any:
        items = head(record) if head is not None else record
        if not isinstance(items, list):
            return None
        if tail is None:
            return list(items)
        if not nested:
            return [tail(item) for item in items]
        flat: list[Any] = []
        for item in items:
            flat.extend(tail(item) or ())
        return flat

    return get
