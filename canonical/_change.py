"""What a schema change is worth in semantic-version terms, and whether a bump matches it.

Levels, lowest first:

- ``none``: the schemas are identical.
- ``patch``: only annotations changed (``title``, ``description``, ``examples``, ...).
- ``minor``: every payload valid before is still valid: a new optional property, a new
  model, a new enum value, a widened type (``string`` -> ``string | null``), a loosened
  constraint, a property that is no longer required.
- ``major``: anything else: a removed or renamed property, a changed type, a newly
  required property, a removed enum value, a tightened constraint, a changed default.

A new enum value is *minor*: payloads stored before remain valid. Consumers that branch
on an enum should treat unknown values as "other" (``EventType.OTHER`` exists for that).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from canonical._errors import SchemaError

__all__ = [
    "ChangeKind",
    "SchemaChange",
    "bump_kind",
    "check_version_bump",
    "next_version",
    "parse_version",
]

_SEMVER = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")


class ChangeKind(StrEnum):
    """How much a schema changed; compares by severity (``NONE < PATCH < MINOR < MAJOR``)."""

    NONE = "none"
    PATCH = "patch"
    MINOR = "minor"
    MAJOR = "major"

    @property
    def rank(self) -> int:
        return list(ChangeKind).index(self)


@dataclass(frozen=True, slots=True)
class SchemaChange:
    """The verdict of ``classify_change``: the highest level found and every reason for it.

    Each reason reads ``"<level>: <where>: <what>"``, e.g.
    ``"major: Customer.full_name: property removed"``.
    """

    kind: ChangeKind
    reasons: tuple[str, ...] = ()

    def __str__(self) -> str:
        if not self.reasons:
            return f"{self.kind.value}: no changes"
        return "\n".join([f"{self.kind.value} change:", *(f"  {r}" for r in self.reasons)])


def parse_version(version: str) -> tuple[int, int, int]:
    """``"1.2.3"`` -> ``(1, 2, 3)``; anything but MAJOR.MINOR.PATCH raises ``SchemaError``."""
    match = _SEMVER.match(version.strip())
    if match is None:
        raise SchemaError(
            f"schema version {version!r} is not MAJOR.MINOR.PATCH",
            hint="schema versions are plain semantic versions such as 1.0.0",
        )
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def next_version(version: str, kind: ChangeKind) -> str:
    """The smallest version after ``version`` that announces a change of ``kind``."""
    major, minor, patch = parse_version(version)
    if kind is ChangeKind.MAJOR:
        return f"{major + 1}.0.0"
    if kind is ChangeKind.MINOR:
        return f"{major}.{minor + 1}.0"
    if kind is ChangeKind.PATCH:
        return f"{major}.{minor}.{patch + 1}"
    return version


def bump_kind(old_version: str, new_version: str) -> ChangeKind:
    """Which component a version step bumps; a step backwards raises ``SchemaError``."""
    old, new = parse_version(old_version), parse_version(new_version)
    if new < old:
        raise SchemaError(
            f"schema version goes backwards: {old_version} -> {new_version}",
            hint="the new version must be greater than the old one",
        )
    if new[0] > old[0]:
        return ChangeKind.MAJOR
    if new[1] > old[1]:
        return ChangeKind.MINOR
    if new[2] > old[2]:
        return ChangeKind.PATCH
    return ChangeKind.NONE


def check_version_bump(old_version: str, new_version: str, change: SchemaChange) -> None:
    """Raise ``SchemaError`` unless ``old_version -> new_version`` bumps at least as ``change``.

    A major change needs a major bump, a minor change at least a minor bump, a patch change
    at least a patch bump; identical schemas may keep the version. A larger bump than the
    schema shows is accepted on purpose: meaning can break while the shape stays the same.
    """
    bump = bump_kind(old_version, new_version)
    if bump.rank >= change.kind.rank:
        return
    expected = next_version(old_version, change.kind)
    found = "keeps the version" if bump is ChangeKind.NONE else f"is only a {bump.value} bump"
    raise SchemaError(
        f"the schema change from {old_version} is {change.kind.value} but {new_version} "
        f"{found}; expected {expected}",
        hint=f"set SCHEMA_VERSION to {expected} in canonical/_schema.py and run "
        "`canonry schema export --dir canonical/schemas`",
    )
