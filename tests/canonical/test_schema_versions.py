"""Schema versions: parsing, bump levels, and whether a bump fits a change."""

from __future__ import annotations

import pytest

from canonical import (
    ChangeKind,
    SchemaChange,
    SchemaError,
    bump_kind,
    check_version_bump,
    next_version,
    parse_version,
)


def test_parse_and_next_version() -> None:
    assert parse_version("1.2.3") == (1, 2, 3)
    for bad in ("1.2", "v1.2.3", "1.2.3-rc1", "01.2.3", "a.b.c"):
        with pytest.raises(SchemaError, match=r"MAJOR\.MINOR\.PATCH"):
            parse_version(bad)
    assert next_version("1.2.3", ChangeKind.MAJOR) == "2.0.0"
    assert next_version("1.2.3", ChangeKind.MINOR) == "1.3.0"
    assert next_version("1.2.3", ChangeKind.PATCH) == "1.2.4"
    assert next_version("1.2.3", ChangeKind.NONE) == "1.2.3"


def test_bump_kind() -> None:
    assert bump_kind("1.0.0", "2.0.0") is ChangeKind.MAJOR
    assert bump_kind("1.0.0", "1.1.0") is ChangeKind.MINOR
    assert bump_kind("1.0.9", "1.1.0") is ChangeKind.MINOR
    assert bump_kind("1.0.0", "1.0.1") is ChangeKind.PATCH
    assert bump_kind("1.0.0", "1.0.0") is ChangeKind.NONE
    with pytest.raises(SchemaError, match="goes backwards"):
        bump_kind("1.1.0", "1.0.5")


@pytest.mark.parametrize(
    ("old", "new", "kind"),
    [
        ("1.0.0", "2.0.0", ChangeKind.MAJOR),
        ("1.0.0", "1.1.0", ChangeKind.MINOR),
        ("1.0.0", "1.0.1", ChangeKind.PATCH),
        ("1.0.0", "1.0.0", ChangeKind.NONE),
        ("1.0.0", "1.0.1", ChangeKind.NONE),
        ("1.0.0", "2.0.0", ChangeKind.MINOR),  # a bigger bump than the shape shows is allowed
    ],
)
def test_matching_bumps_pass(old: str, new: str, kind: ChangeKind) -> None:
    check_version_bump(old, new, SchemaChange(kind))


@pytest.mark.parametrize(
    ("old", "new", "kind", "expected"),
    [
        ("1.0.0", "1.1.0", ChangeKind.MAJOR, "expected 2.0.0"),
        ("1.0.0", "1.0.1", ChangeKind.MINOR, "expected 1.1.0"),
        ("1.0.0", "1.0.0", ChangeKind.PATCH, "keeps the version; expected 1.0.1"),
        ("1.4.2", "1.4.3", ChangeKind.MAJOR, "is only a patch bump; expected 2.0.0"),
    ],
)
def test_insufficient_bumps_fail_with_instructions(
    old: str, new: str, kind: ChangeKind, expected: str
) -> None:
    with pytest.raises(SchemaError) as info:
        check_version_bump(old, new, SchemaChange(kind))
    message = str(info.value)
    assert expected in message
    assert "canonry schema export --dir canonical/schemas" in message
