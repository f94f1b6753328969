"""Proposals: every rule checked on the samples, exported as a mapping or an override."""

from __future__ import annotations

from typing import Any

import pytest

from canonical import ConfigurationError, MappingError
from mapping import Mapping
from mapping.suggest import Candidate, check_candidates, suggest

RECORDS: list[dict[str, Any]] = [
    {"id": "c1", "mail": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace",
     "created_at": 1_700_000_000, "tier": "gold", "phone": "n/a"},
    {"id": "c2", "mail": "alan@example.com", "first_name": "Alan", "last_name": "Turing",
     "created_at": 1_700_000_500, "tier": "silver", "phone": "+44 20 7946 0000"},
]  # fmt: skip


def test_a_rule_that_fails_on_a_sample_is_dropped_with_the_reason() -> None:
    bad = Candidate("email", "first_name", {"email": {"source": "first_name"}}, None, 0.9, "test")
    good = Candidate("given_name", "first_name", {"given_name": "first_name"}, None, 0.9, "test")
    result = check_candidates("Customer", [bad, good], RECORDS)
    assert [c.target for c, _ in result.kept] == ["given_name"]
    [(dropped, reason)] = result.dropped
    assert dropped.target == "email"
    assert "fails on the samples" in reason
    assert "not a valid email address" in reason


def test_names_of_missing_paths_and_transforms_are_dropped() -> None:
    missing = Candidate("email", "contact.mail", {"email": "contact.mail"}, None, 0.9, "t")
    unknown = Candidate(
        "name", "id", {"name": {"source": "id", "transform": "shout"}}, "shout", 0.9, "t"
    )
    extra = {"source": "created_at", "transform": "unix_seconds", "args": {"x": 1}}
    bad_args = Candidate("created_at", "created_at", {"created_at": extra}, None, 0.9, "t")
    result = check_candidates("Customer", [missing, unknown, bad_args], RECORDS)
    reasons = {c.target: r for c, r in result.dropped}
    assert reasons["email"] == "source path 'contact.mail' does not exist in any sample"
    assert "unknown transform 'shout'" in reasons["name"]
    assert "unix_seconds takes no args" in reasons["created_at"]
    assert result.kept == []


def test_the_phone_rule_is_dropped_when_one_sample_is_not_a_phone() -> None:
    proposal = suggest("Customer", samples=RECORDS)
    assert proposal.rule_for("phone") is None or "n/a" not in str(proposal.rule_for("phone"))
    email = proposal.rule_for("email")
    assert email is not None
    assert email.source == "mail"
    assert [s.after for s in email.samples] == ["ada@example.com", "alan@example.com"]


def test_to_mapping_round_trips_and_maps() -> None:
    proposal = suggest("Customer", samples=RECORDS)
    mapping = proposal.to_mapping("acme-customers", "1.2.0")
    assert Mapping.from_yaml(mapping.to_yaml()) == mapping
    assert mapping.rules["name"].sources == ("first_name", "last_name")
    assert {"tier", "phone"} <= {u.path for u in proposal.unmapped}


def test_to_mapping_refuses_a_proposal_without_required_fields() -> None:
    proposal = suggest("Invoice", samples=[{"id": "1", "memo": "x"}])
    assert not proposal.complete
    assert [m.target for m in proposal.missing] == ["status", "currency"]
    with pytest.raises(MappingError, match="cannot become a loadable Invoice mapping: status"):
        proposal.to_mapping("broken")


def test_to_override_adds_only_what_the_base_lacks() -> None:
    base = Mapping.model_validate(
        {"name": "base", "model": "Customer", "version": "1.0.0",
         "rules": {"remote_id": "id", "email": "mail"}}
    )  # fmt: skip
    proposal = suggest("Customer", samples=RECORDS)
    override = proposal.to_override(base)
    assert "email" not in override.rules
    assert "given_name" in override.rules
    layered = base.with_overrides(override)
    assert layered.rule("email") == base.rule("email")
    with_custom = proposal.to_override(base, custom_fields=True)
    assert with_custom.rules["custom_fields.tier"].source == "tier"
    replaced = proposal.to_override(base, replace=True)
    assert replaced.rules["email"].source == "mail"
    other = Mapping.model_validate(
        {"name": "inv", "model": "Invoice", "version": "1.0.0",
         "rules": {"remote_id": "id", "status": {"const": "open"}, "currency": {"const": "USD"}}}
    )  # fmt: skip
    with pytest.raises(MappingError, match="proposal is for Customer"):
        proposal.to_override(other)


def test_bad_input_is_refused_clearly() -> None:
    with pytest.raises(ConfigurationError, match="give sample records or a schema"):
        suggest("Customer")
    with pytest.raises(MappingError, match="unknown canonical model 'Order'"):
        suggest("Order", samples=RECORDS)
