"""The adapter-API compatibility rule: same major, plugin minor <= ours."""

from __future__ import annotations

import pytest

from plugins import compatibility_problem, parse_api_version


@pytest.mark.parametrize(
    ("declared", "implemented"),
    [("1.0", "1.0"), ("1.0", "1.3"), ("1.3", "1.3"), ("1.2.7", "1.3"), ("2.0", "2.1")],
)
def test_compatible_versions(declared: str, implemented: str) -> None:
    assert compatibility_problem(declared, implemented) is None


@pytest.mark.parametrize(
    ("declared", "implemented", "advice"),
    [
        ("2.0", "1.0", "upgrade canonry or pin the plugin"),
        ("1.1", "1.0", "upgrade canonry or pin the plugin"),
        ("0.9", "1.0", "upgrade the plugin to a release for 1.x, or pin canonry"),
        ("1.0", "2.0", "upgrade the plugin to a release for 2.x, or pin canonry"),
    ],
)
def test_incompatible_versions_say_what_to_do(declared: str, implemented: str, advice: str) -> None:
    problem = compatibility_problem(declared, implemented)

    assert problem is not None
    assert problem.startswith(
        f"targets adapter API {declared}; this Canonry implements {implemented}"
    )
    assert advice in problem


def test_the_brief_message_for_a_newer_major_against_this_canonry() -> None:
    assert compatibility_problem("2.0") == (
        "targets adapter API 2.0; this Canonry implements 1.1 — upgrade canonry or pin the "
        "plugin to a release for 1.x"
    )


@pytest.mark.parametrize("text", ["1", "v1.0", "1.x", "", None, 1.0])
def test_malformed_versions_are_refused(text: object) -> None:
    with pytest.raises(ValueError, match=r"MAJOR\.MINOR"):
        parse_api_version(text)


def test_versions_parse_to_numbers_not_strings() -> None:
    assert parse_api_version("1.10") > parse_api_version("1.9")
