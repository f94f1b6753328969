"""Load any entry-point group the way adapters load: in a fixed order, each plugin isolated,
an allow-list from an environment variable, and a reason for every one that did not load.

Adapters have their own inspection on top (``plugins._discovery``); other groups (webhook
handlers: ``canonry.webhook_handlers``) use ``load_group`` and decide what a loaded object
means themselves, reporting a refusal with ``GroupReport.refuse``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint

from plugins._report import FailureKind, PluginFailure
from plugins._scan import scan_entry_points

__all__ = ["GroupReport", "LoadedPoint", "load_group"]

_BUILTIN = "canonry"
logger = logging.getLogger("canonry.plugins")


@dataclass(frozen=True)
class LoadedPoint:
    """An entry point that imported, and the object it named."""

    name: str
    distribution: str | None
    value: object


@dataclass
class GroupReport:
    """What ``load_group`` found: the loaded entry points and the ones that failed."""

    group: str
    loaded: list[LoadedPoint] = field(default_factory=list)
    failures: list[PluginFailure] = field(default_factory=list)

    def refuse(self, point: LoadedPoint, kind: FailureKind, reason: str) -> None:
        """Record that ``point`` imported but could not be used (``reason`` for a person)."""
        self.loaded = [p for p in self.loaded if p is not point]
        self._fail(point.name, point.distribution, kind, reason)

    def _fail(self, name: str, dist: str | None, kind: FailureKind, reason: str) -> None:
        self.failures.append(PluginFailure(name, dist, reason, kind))
        log = logger.info if kind == "disabled" else logger.warning
        log("%s plugin %r (%s) skipped [%s]: %s", self.group, name, dist, kind, reason)


def _dist(point: EntryPoint) -> str | None:
    return point.dist.name if point.dist else None


def _order(point: EntryPoint) -> tuple[bool, str, str, str]:
    dist = _dist(point) or ""
    return (dist != _BUILTIN, dist.lower(), point.name, point.value)


def _allowed(allow: Iterable[str] | None, environ: Mapping[str, str], env_var: str) -> set[str]:
    raw: Iterable[str] = allow if allow is not None else environ.get(env_var, "").split(",")
    return {name.strip() for name in raw if name.strip()}


def load_group(
    group: str,
    *,
    env_var: str,
    allow: Iterable[str] | None = None,
    environ: Mapping[str, str] = os.environ,
) -> GroupReport:
    """Import every entry point of ``group``; never raises for a broken plugin.

    ``allow`` (else ``env_var`` in ``environ``, comma-separated) lists entry-point or
    distribution names to load; empty: all of them."""
    report = GroupReport(group)
    found, unreadable = scan_entry_points(group)
    for bad in unreadable:
        report._fail(bad.name, bad.name, "invalid", bad.reason)
    allowed = _allowed(allow, environ, env_var)
    for point in sorted(found, key=_order):
        dist = _dist(point)
        if allowed and not ({point.name, dist} & allowed):
            report._fail(point.name, dist, "disabled", f"not in {env_var}; add it there to load it")
            continue
        try:
            value = point.load()
        except (ImportError, AttributeError, SyntaxError) as exc:
            reason = f"cannot import {point.value}: {type(exc).__name__}: {exc}"
            report._fail(point.name, dist, "import_error", reason)
            continue
        except (Exception, SystemExit) as exc:
            reason = f"importing {point.value} raised {type(exc).__name__}: {exc}"
            report._fail(point.name, dist, "crashed", reason)
            continue
        report.loaded.append(LoadedPoint(point.name, dist, value))
    return report
