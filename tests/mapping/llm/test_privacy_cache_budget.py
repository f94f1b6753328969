"""What leaves the machine, the reply cache, and the token budget."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import respx

from mapping.llm import OpenAICompatibleClient, RefineOptions, ReplyCache
from mapping.suggest import suggest
from tests.mapping.llm.conftest import (
    OPENAI_URL,
    answer,
    openai_response,
    rule,
    sample_values,
)

Make = Callable[..., OpenAICompatibleClient]
ENDPOINT = f"{OPENAI_URL}/chat/completions"


def _bodies(route: respx.Route) -> list[str]:
    return [call.request.content.decode() for call in route.calls]


def test_no_sample_value_leaves_without_the_opt_in(
    make_openai: Make, records: list[dict[str, Any]]
) -> None:
    values = sample_values(records)
    assert len(values) > 15  # the hunt is meaningful
    with respx.mock() as router:
        route = router.post(ENDPOINT).mock(
            side_effect=[openai_response("{broken"), openai_response(answer())]
        )
        suggest("Invoice", samples=records, llm=make_openai())
    bodies = _bodies(route)
    assert len(bodies) == 2  # the re-ask is checked too
    for body in bodies:
        leaked = sorted(v for v in values if v in body)
        assert leaked == [], f"sample values sent without send_values: {leaked}"
    first = json.loads(bodies[0])["messages"][1]["content"]
    shapes = {f["path"]: f["type"] for f in json.loads(first)["vendor_fields"]}
    assert shapes["billing_email"] == "string(email-like)"
    assert shapes["date"] == "integer(unix-seconds-like)"
    assert shapes["currency_code"] == "string(currency-code-like)"
    assert "examples" not in first
    assert '"values"' not in first


def test_sample_values_are_sent_with_the_opt_in(
    make_openai: Make, records: list[dict[str, Any]]
) -> None:
    with respx.mock() as router:
        route = router.post(ENDPOINT).mock(return_value=openai_response(answer()))
        suggest("Invoice", samples=records, llm=make_openai(), send_values=True)
    body = _bodies(route)[0]
    assert "owl.1@hidden-example.org" in body
    assert "Zebra sentinel note 1" in body


def test_a_cached_reply_avoids_a_second_request(
    make_openai: Make, records: list[dict[str, Any]], tmp_path: Path
) -> None:
    good = answer(rule("memo", "remarks"))
    cache = ReplyCache(tmp_path / "llm-cache")
    with respx.mock() as router:
        route = router.post(ENDPOINT).mock(return_value=openai_response(good))
        first = suggest("Invoice", samples=records, llm=make_openai(cache=cache))
        second = suggest("Invoice", samples=records, llm=make_openai(cache=cache))
    assert route.call_count == 1
    assert len(list((tmp_path / "llm-cache").glob("*.json"))) == 1
    assert first == second
    assert second.rule_for("memo") is not None


def test_a_changed_request_misses_the_cache(
    make_openai: Make, records: list[dict[str, Any]], tmp_path: Path
) -> None:
    cache = ReplyCache(tmp_path)
    with respx.mock() as router:
        route = router.post(ENDPOINT).mock(return_value=openai_response(answer()))
        suggest("Invoice", samples=records, llm=make_openai(cache=cache))
        suggest("Invoice", samples=records, llm=make_openai(cache=cache), send_values=True)
    assert route.call_count == 2


def test_targets_are_batched_and_the_budget_stops_the_pass(
    make_openai: Make, records: list[dict[str, Any]]
) -> None:
    options = RefineOptions(token_budget=2_000, max_request_tokens=600, max_answer_tokens=500)
    with respx.mock() as router:
        route = router.post(ENDPOINT).mock(return_value=openai_response(answer()))
        proposal = suggest("Invoice", samples=records, llm=make_openai(), llm_options=options)
    assert route.call_count == 2  # stopped before the third batch
    note = next(n for n in proposal.notes if "budget" in n)
    # the batch count depends on the transforms registered (adapters add their own)
    found = re.match(r"LLM token budget \(2000\) spent after 2 of (\d+) batches \(1200 ", note)
    assert found is not None, note
    assert int(found.group(1)) > 2
    assert "the other targets keep the matcher's rules" in note
    assert proposal.rule_for("total") is not None
    for call in route.calls:
        targets = json.loads(json.loads(call.request.content)["messages"][1]["content"])["targets"]
        assert 1 <= len(targets) < 22


def test_every_batch_is_sent_when_the_budget_allows(
    make_openai: Make, records: list[dict[str, Any]]
) -> None:
    options = RefineOptions(token_budget=10**6, max_request_tokens=600)
    with respx.mock() as router:
        route = router.post(ENDPOINT).mock(return_value=openai_response(answer()))
        proposal = suggest("Invoice", samples=records, llm=make_openai(), llm_options=options)
    asked = [
        t["field"]
        for call in route.calls
        for t in json.loads(json.loads(call.request.content)["messages"][1]["content"])["targets"]
    ]
    assert route.call_count > 1
    assert len(asked) == len(set(asked)) == 21
    assert not proposal.notes


@pytest.mark.parametrize("mode", ["json_object", "none"])
def test_json_modes_for_servers_without_structured_outputs(
    make_openai: Make, records: list[dict[str, Any]], mode: str
) -> None:
    with respx.mock() as router:
        route = router.post(ENDPOINT).mock(return_value=openai_response(answer()))
        suggest("Invoice", samples=records, llm=make_openai(json_mode=mode))
    body = json.loads(route.calls[0].request.content)
    expected = {"type": "json_object"} if mode == "json_object" else None
    assert body.get("response_format") == expected
