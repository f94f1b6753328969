"""Adapter-API compatibility: a plugin's declared ``api_version`` against ours.

The rule is semantic: the majors must be equal (a major bump breaks the contract) and the
plugin's minor must not exceed ours (a newer minor may call hooks this Canonry lacks).
"""

from __future__ import annotations

import re

from adapters import ADAPTER_API_VERSION

__all__ = ["compatibility_problem", "parse_api_version"]

_VERSION = re.compile(r"^(\d+)\.(\d+)(?:\.\d+)?$")


def parse_api_version(text: object) -> tuple[int, int]:
    """``"1.0"`` -> ``(1, 0)``; a trailing patch number is allowed and ignored."""
    match = _VERSION.match(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(
            f"api_version {text!r} is not of the form MAJOR.MINOR (e.g. {ADAPTER_API_VERSION!r})"
        )
    return int(match.group(1)), int(match.group(2))


def compatibility_problem(declared: str, implemented: str = ADAPTER_API_VERSION) -> str | None:
    """None when a plugin targeting ``declared`` works here, else the reason it does not.

    Raises ``ValueError`` when ``declared`` is not a version at all.
    """
    major, minor = parse_api_version(declared)
    our_major, our_minor = parse_api_version(implemented)
    if major == our_major and minor <= our_minor:
        return None
    prefix = f"targets adapter API {major}.{minor}; this Canonry implements {implemented}"
    if (major, minor) > (our_major, our_minor):
        return f"{prefix} — upgrade canonry or pin the plugin to a release for {our_major}.x"
    return f"{prefix} — upgrade the plugin to a release for {our_major}.x, or pin canonry"
