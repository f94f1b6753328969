"""The suggest and llm packages' public names, and the labelled benchmark's quality bar."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import mapping.llm
import mapping.suggest

RUN = Path(__file__).resolve().parents[3] / "benchmarks" / "mapping_suggest" / "run.py"


def test_exported_names_are_pinned() -> None:
    assert set(mapping.suggest.__all__) == {
        "THRESHOLD", "Candidate", "DroppedRule", "MissingField", "Proposal", "ProposedLines",
        "ProposedRule", "SampleValue", "TargetField", "UnmappedField", "VendorField",
        "check_candidates", "collect_fields", "line_targets", "match", "schema_samples",
        "suggest", "target_fields",
    }  # fmt: skip
    assert {"LLMClient", "OpenAICompatibleClient", "AnthropicClient", "RefineOptions",
            "client_from_env", "ReplyCache"} <= set(mapping.llm.__all__)  # fmt: skip
    for module in (mapping.suggest, mapping.llm):
        for name in module.__all__:
            assert getattr(module, name) is not None


def test_deterministic_f1_on_the_labelled_vendor_set() -> None:
    spec = importlib.util.spec_from_file_location("mapping_suggest_run", RUN)
    assert spec is not None
    assert spec.loader is not None
    run = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = run
    try:
        spec.loader.exec_module(run)
    finally:
        del sys.modules[spec.name]
    cases = run.load_cases()
    vendors = {c["vendor"] for c in cases}
    assert len(vendors) >= 5
    assert not vendors & {"Stripe", "HubSpot"}
    total = run.Counts()
    for case in cases:
        counts, errors = run.score_case(case)
        total.add(counts)
        assert not [e for e in errors if e.startswith("UNSAFE")], case["file"]
    assert total.f1 >= 0.92
