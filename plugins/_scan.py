"""Read the entry points of one group from every installed distribution, one at a time.

``importlib.metadata.entry_points()`` raises for the whole environment when a single
distribution has a malformed ``entry_points.txt``; reading each distribution on its own
keeps such a distribution from hiding every other plugin.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib.metadata import Distribution, EntryPoint, distributions

__all__ = ["UnreadableDistribution", "scan_entry_points"]

_SEPARATORS = re.compile(r"[-_.]+")


@dataclass(frozen=True)
class UnreadableDistribution:
    """A distribution that names the group but whose entry points cannot be parsed."""

    name: str
    reason: str


def scan_entry_points(group: str) -> tuple[list[EntryPoint], list[UnreadableDistribution]]:
    """The group's entry points (first distribution of a name on sys.path wins, as in
    ``importlib.metadata``) and the distributions whose entry points could not be read."""
    points: list[EntryPoint] = []
    unreadable: list[UnreadableDistribution] = []
    seen: set[str] = set()
    for dist in distributions():
        name = _name(dist)
        key = _SEPARATORS.sub("-", name).lower()
        if key and key in seen:
            continue
        seen.add(key)
        try:
            points.extend(ep for ep in dist.entry_points if ep.group == group)
        except Exception as exc:
            if f"[{group}]" in (_entry_points_text(dist) or ""):
                reason = (
                    f"its entry_points.txt cannot be read ({type(exc).__name__}: {exc}); "
                    "reinstall the distribution"
                )
                unreadable.append(UnreadableDistribution(name, reason))
    return points, unreadable


def _name(dist: Distribution) -> str:
    try:
        return str(dist.metadata["Name"] or "")
    except Exception:
        return ""


def _entry_points_text(dist: Distribution) -> str | None:
    try:
        return dist.read_text("entry_points.txt")
    except Exception:
        return None
