"""Mapping suggestions: a deterministic matcher, an optional LLM pass, checked proposals.

proposal = suggest("Invoice", samples=records)
mapping = proposal.to_mapping("acme-invoices", "1.0.0")
"""

from mapping.suggest._check import Candidate, check_candidates
from mapping.suggest._fields import VendorField, collect_fields
from mapping.suggest._match import THRESHOLD, match
from mapping.suggest._proposal import (
    DroppedRule,
    MissingField,
    Proposal,
    ProposedLines,
    ProposedRule,
    SampleValue,
    UnmappedField,
)
from mapping.suggest._schema import schema_samples
from mapping.suggest._suggest import suggest
from mapping.suggest._targets import TargetField, line_targets, target_fields

__all__ = [
    "THRESHOLD",
    "Candidate",
    "DroppedRule",
    "MissingField",
    "Proposal",
    "ProposedLines",
    "ProposedRule",
    "SampleValue",
    "TargetField",
    "UnmappedField",
    "VendorField",
    "check_candidates",
    "collect_fields",
    "line_targets",
    "match",
    "schema_samples",
    "suggest",
    "target_fields",
]
