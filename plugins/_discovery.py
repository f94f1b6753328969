"""Find adapters through the ``canonry.adapters`` entry-point group.

Built-in adapters register through the same group (distribution ``canonry``) and load
first; third-party plugins follow, ordered by distribution then entry-point name, so the
outcome never depends on ``sys.path`` order. Each plugin is isolated: whatever goes wrong
while importing or inspecting it becomes a ``PluginFailure`` and a log warning, and the
others load as usual. ``CANONRY_PLUGINS`` (or ``allow=``) restricts which plugins load.
"""

from __future__ import annotations

import dataclasses
import importlib
import logging
import os
import threading
from collections.abc import Iterable, Mapping
from importlib.metadata import EntryPoint

from plugins._inspect import AdapterDeclaration, PluginProblem, inspect_adapter
from plugins._report import FailureKind, PluginFailure, PluginInfo, PluginReport, PluginStatus
from plugins._scan import scan_entry_points

__all__ = ["ENTRY_POINT_GROUP", "PLUGINS_ENV", "load_adapters"]

ENTRY_POINT_GROUP = "canonry.adapters"
PLUGINS_ENV = "CANONRY_PLUGINS"
BUILTIN_DISTRIBUTION = "canonry"

logger = logging.getLogger("canonry.plugins")

_cache: dict[frozenset[str] | None, PluginReport] = {}
_lock = threading.RLock()  # a plugin calling load_adapters() while imported must not deadlock


def load_adapters(
    *,
    allow: Iterable[str] | None = None,
    environ: Mapping[str, str] = os.environ,
    refresh: bool = False,
) -> PluginReport:
    """Discover, check and load every adapter plugin; never raises for a broken plugin.

    ``allow`` lists entry-point names, adapter keys or distribution names to load; when
    None, ``CANONRY_PLUGINS`` in ``environ`` (comma-separated) does; when both are absent
    or empty, every plugin loads. Results are cached per process and per allow-list;
    ``refresh=True`` drops every cached result and scans the installed distributions again.
    """
    allowed = _allowed(allow, environ)
    with _lock:
        if refresh:
            importlib.invalidate_caches()
            _cache.clear()
        elif allowed in _cache:
            return _cache[allowed]
        report = _discover(allowed)
        _cache[allowed] = report
    return report


def _allowed(allow: Iterable[str] | None, environ: Mapping[str, str]) -> frozenset[str] | None:
    raw: Iterable[str] = allow if allow is not None else environ.get(PLUGINS_ENV, "").split(",")
    names = frozenset(name.strip() for name in raw if name.strip())
    return names or None


def _discover(allowed: frozenset[str] | None) -> PluginReport:
    found, unreadable = scan_entry_points(ENTRY_POINT_GROUP)
    points = sorted(found, key=_load_order)
    selector = _Selector(allowed, points)
    report = PluginReport()
    for dist in unreadable:
        report.failures.append(PluginFailure(dist.name, dist.name, dist.reason, "invalid"))
        report.plugins.append(
            PluginInfo(dist.name, None, None, None, dist.name, "invalid", dist.reason)
        )
        logger.warning("plugin distribution %r skipped [invalid]: %s", dist.name, dist.reason)
    for point in points:
        _load_one(point, selector, report)
    report = dataclasses.replace(report, unmatched_allow=selector.unmatched)
    if selector.unmatched:
        logger.warning(
            "%s names %s, but no installed plugin has that name, key or distribution",
            PLUGINS_ENV,
            ", ".join(selector.unmatched),
        )
    return report


def _load_order(point: EntryPoint) -> tuple[bool, str, str, str]:
    dist = _dist_name(point) or ""
    return (dist != BUILTIN_DISTRIBUTION, dist.lower(), point.name, point.value)


class _Selector:
    """Which entry points an allow-list selects, before and after importing them.

    Names that match an entry point or a distribution select without importing anything;
    the remaining names may be adapter keys, which are only known after an import.
    """

    def __init__(self, allowed: frozenset[str] | None, points: list[EntryPoint]) -> None:
        self.allowed = allowed
        known = {p.name for p in points} | {_dist_name(p) for p in points}
        self.maybe_keys = (allowed or frozenset()) - known
        self.matched_keys: set[str] = set()

    def preselected(self, point: EntryPoint) -> bool:
        return self.allowed is None or bool({point.name, _dist_name(point)} & self.allowed)

    def worth_importing(self, point: EntryPoint) -> bool:
        return self.preselected(point) or bool(self.maybe_keys)

    def selects_key(self, key: str) -> bool:
        if key in self.maybe_keys:
            self.matched_keys.add(key)
            return True
        return False

    @property
    def unmatched(self) -> tuple[str, ...]:
        return tuple(sorted(self.maybe_keys - self.matched_keys))


def _load_one(point: EntryPoint, selector: _Selector, report: PluginReport) -> None:
    if not selector.worth_importing(point):
        _fail(report, point, "disabled", _disabled_reason())
        return
    try:
        declaration = inspect_adapter(_import(point))
    except PluginProblem as problem:
        _fail(report, point, problem.kind, problem.reason)
        return
    if not selector.preselected(point) and not selector.selects_key(declaration.key):
        _fail(report, point, "disabled", _disabled_reason(), declaration)
        return
    holder = report.adapters.get(declaration.key)
    if holder is not None:
        reason = (
            f"adapter key {declaration.key!r} is already provided by "
            f"{holder.__module__}.{holder.__qualname__}; uninstall one of them"
        )
        _fail(report, point, "duplicate", reason, declaration)
        return
    report.adapters[declaration.key] = declaration.cls
    report.plugins.append(_info(point, "loaded", "", declaration))


def _import(point: EntryPoint) -> object:
    try:
        return point.load()
    except (ImportError, AttributeError, SyntaxError) as exc:
        raise PluginProblem(
            "import_error", f"cannot import {point.value}: {type(exc).__name__}: {exc}"
        ) from exc
    except (Exception, SystemExit) as exc:
        raise PluginProblem(
            "crashed", f"importing {point.value} raised {type(exc).__name__}: {exc}"
        ) from exc


def _fail(
    report: PluginReport,
    point: EntryPoint,
    kind: FailureKind,
    reason: str,
    declaration: AdapterDeclaration | None = None,
) -> None:
    distribution = _dist_name(point)
    report.failures.append(PluginFailure(point.name, distribution, reason, kind))
    report.plugins.append(_info(point, kind, reason, declaration))
    log = logger.info if kind == "disabled" else logger.warning
    log("adapter plugin %r (%s) skipped [%s]: %s", point.name, distribution, kind, reason)


def _info(
    point: EntryPoint, status: PluginStatus, reason: str, decl: AdapterDeclaration | None
) -> PluginInfo:
    return PluginInfo(
        name=point.name,
        key=decl.key if decl else None,
        version=decl.version if decl else None,
        api_version=decl.api_version if decl else None,
        distribution=_dist_name(point),
        status=status,
        reason=reason,
        display_name=decl.display_name if decl else None,
        distribution_version=point.dist.version if point.dist else None,
        entry_point=point.value,
    )


def _dist_name(point: EntryPoint) -> str | None:
    return point.dist.name if point.dist else None


def _disabled_reason() -> str:
    return f"not in {PLUGINS_ENV}; add it there to load it"
