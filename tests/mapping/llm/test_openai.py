"""The LLM pass over an OpenAI-compatible endpoint, mocked with respx."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx

from canonical import AuthenticationError
from mapping.llm import OpenAICompatibleClient
from mapping.suggest import suggest
from tests.mapping.llm.conftest import KEY, OPENAI_URL, answer, openai_response, rule

Make = Callable[..., OpenAICompatibleClient]
ENDPOINT = f"{OPENAI_URL}/chat/completions"


def test_a_good_answer_refines_the_matcher(
    make_openai: Make, records: list[dict[str, Any]]
) -> None:
    good = answer(rule("memo", "remarks", "strip"), rule("number", "doc_ref"))
    with respx.mock(assert_all_called=True) as router:
        route = router.post(ENDPOINT).mock(return_value=openai_response(good))
        proposal = suggest("Invoice", samples=records, llm=make_openai())
    memo = proposal.rule_for("memo")
    assert memo is not None
    assert (memo.source, memo.transform, memo.origin) == ("remarks", "strip", "llm")
    assert memo.samples[0].after == "Zebra sentinel note 1"
    number = proposal.rule_for("number")
    assert number is not None
    assert number.source == "doc_ref"
    # the matcher's other rules stay
    total = proposal.rule_for("total")
    assert total is not None
    assert total.origin == "matcher"
    assert total.transform == "minor_units"
    request = route.calls[0].request
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    body = json.loads(request.content)
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["schema"]["required"] == ["rules"]
    assert body["temperature"] == 0


def test_invalid_json_is_asked_again_with_the_error(
    make_openai: Make, records: list[dict[str, Any]]
) -> None:
    good = answer(rule("memo", "remarks", "strip"))
    replies = [openai_response("{not json"), openai_response(good)]
    with respx.mock() as router:
        route = router.post(ENDPOINT).mock(side_effect=replies)
        proposal = suggest("Invoice", samples=records, llm=make_openai())
    assert route.call_count == 2
    second = json.loads(route.calls[1].request.content)["messages"]
    assert [m["role"] for m in second] == ["system", "user", "assistant", "user"]
    assert second[2]["content"] == "{not json"
    assert second[3]["content"].startswith("That answer was invalid: the answer does not fit")
    memo = proposal.rule_for("memo")
    assert memo is not None
    assert memo.origin == "llm"


def test_answers_that_stay_invalid_leave_the_matcher_proposal(
    make_openai: Make, records: list[dict[str, Any]]
) -> None:
    wrong_target = answer(rule("colour", "remarks"))
    with respx.mock() as router:
        route = router.post(ENDPOINT).mock(return_value=openai_response(wrong_target))
        proposal = suggest("Invoice", samples=records, llm=make_openai())
    assert route.call_count == 3  # the first answer and two re-asks
    assert any("invalid after 3 attempts" in n and "colour" in n for n in proposal.notes)
    assert proposal.rule_for("total") is not None
    assert all(r.origin == "matcher" for r in proposal.rules)


def test_unknown_paths_and_transforms_are_dropped_and_reported(
    make_openai: Make, records: list[dict[str, Any]]
) -> None:
    bad = answer(
        rule("total", "grand.total.cents", "minor_units", currency="currency_code"),
        rule("memo", "remarks", "frobnicate"),
        rule("status", "status", "enum", values={"paid": "settled"}),
    )
    with respx.mock() as router:
        router.post(ENDPOINT).mock(return_value=openai_response(bad))
        proposal = suggest("Invoice", samples=records, llm=make_openai())
    dropped = {d.target: d for d in proposal.dropped}
    assert dropped["total"].origin == "llm"
    assert "'grand.total.cents' does not exist in any sample" in dropped["total"].reason
    assert "unknown transform 'frobnicate'" in dropped["memo"].reason
    assert "status" in dropped
    assert "fails on the samples" in dropped["status"].reason
    # the matcher's checked rules come back for the targets the LLM got wrong
    total = proposal.rule_for("total")
    assert total is not None
    assert (total.source, total.origin) == ("total", "matcher")
    status = proposal.rule_for("status")
    assert status is not None
    assert status.origin == "matcher"
    assert proposal.rule_for("memo") is None or proposal.rule_for("memo").origin == "matcher"


def test_rate_limit_is_retried_after_the_time_the_server_asks(
    make_openai: Make, records: list[dict[str, Any]], sleeps: list[float]
) -> None:
    good = answer(rule("memo", "remarks"))
    limited = httpx.Response(
        429, json={"error": {"message": "slow down"}}, headers={"Retry-After": "7"}
    )
    with respx.mock() as router:
        route = router.post(ENDPOINT).mock(side_effect=[limited, openai_response(good)])
        proposal = suggest("Invoice", samples=records, llm=make_openai())
    assert route.call_count == 2
    assert sleeps == [7.0]
    memo = proposal.rule_for("memo")
    assert memo is not None
    assert memo.origin == "llm"


def test_server_errors_back_off_exponentially(
    make_openai: Make, records: list[dict[str, Any]], sleeps: list[float]
) -> None:
    good = answer(rule("memo", "remarks"))
    failing = [httpx.Response(502), httpx.Response(503), openai_response(good)]
    with respx.mock() as router:
        router.post(ENDPOINT).mock(side_effect=failing)
        proposal = suggest("Invoice", samples=records, llm=make_openai(backoff=0.5))
    assert sleeps == [0.5, 1.0]
    assert proposal.rule_for("memo") is not None


def test_timeouts_retry_then_give_up_with_a_note(
    make_openai: Make, records: list[dict[str, Any]], sleeps: list[float]
) -> None:
    with respx.mock() as router:
        route = router.post(ENDPOINT).mock(side_effect=httpx.ReadTimeout("slow"))
        proposal = suggest("Invoice", samples=records, llm=make_openai(max_attempts=3))
    assert route.call_count == 3
    assert len(sleeps) == 2
    assert any("did not answer in time" in note for note in proposal.notes)
    assert proposal.rule_for("total") is not None  # the matcher's proposal stands


def test_a_timeout_then_an_answer_succeeds(
    make_openai: Make, records: list[dict[str, Any]]
) -> None:
    good = answer(rule("memo", "remarks"))
    with respx.mock() as router:
        router.post(ENDPOINT).mock(side_effect=[httpx.ConnectTimeout("x"), openai_response(good)])
        proposal = suggest("Invoice", samples=records, llm=make_openai())
    assert proposal.rule_for("memo") is not None
    assert not proposal.notes


def test_a_refused_key_raises_without_showing_it(
    make_openai: Make, records: list[dict[str, Any]]
) -> None:
    refused = httpx.Response(401, json={"error": {"message": "Incorrect API key provided"}})
    with respx.mock() as router:
        route = router.post(ENDPOINT).mock(return_value=refused)
        with pytest.raises(AuthenticationError) as caught:
            suggest("Invoice", samples=records, llm=make_openai())
    assert route.call_count == 1  # not retried
    assert KEY not in str(caught.value)
    assert KEY not in repr(make_openai())
    assert "Incorrect API key provided" in str(caught.value)


def test_an_llm_null_answer_keeps_the_matcher_rule_and_says_so(
    make_openai: Make, records: list[dict[str, Any]]
) -> None:
    with respx.mock() as router:
        router.post(ENDPOINT).mock(return_value=openai_response(answer(rule("issued_at", None))))
        proposal = suggest("Invoice", samples=records, llm=make_openai())
    issued = proposal.rule_for("issued_at")
    assert issued is not None
    assert (issued.source, issued.origin) == ("date", "matcher")
    assert not [d for d in proposal.dropped if d.target == "issued_at"]
    assert any("leaving issued_at unmapped" in note for note in proposal.notes)
