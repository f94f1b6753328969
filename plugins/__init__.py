"""Plugin discovery: adapters from the ``canonry.adapters`` entry points, checked and isolated.

``load_adapters()`` returns a ``PluginReport``: the adapters that loaded (by key), the
plugins that did not (with a reason and a kind), and one ``PluginInfo`` row per entry
point. The contract test kit for adapter authors lives in ``plugins.testing``.
"""

from plugins._compat import compatibility_problem, parse_api_version
from plugins._discovery import ENTRY_POINT_GROUP, PLUGINS_ENV, load_adapters
from plugins._groups import GroupReport, LoadedPoint, load_group
from plugins._report import FailureKind, PluginFailure, PluginInfo, PluginReport, PluginStatus

__all__ = [
    "ENTRY_POINT_GROUP",
    "PLUGINS_ENV",
    "FailureKind",
    "GroupReport",
    "LoadedPoint",
    "PluginFailure",
    "PluginInfo",
    "PluginReport",
    "PluginStatus",
    "compatibility_problem",
    "load_adapters",
    "load_group",
    "parse_api_version",
]
