"""The LLM pass may add rules, or replace one with a better-supported rule; never delete."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import respx

from mapping.llm import OpenAICompatibleClient
from mapping.suggest import suggest
from tests.mapping.llm.conftest import OPENAI_URL, answer, openai_response, rule

Make = Callable[..., OpenAICompatibleClient]
ENDPOINT = f"{OPENAI_URL}/chat/completions"


def _null_for_every_target(request: Any) -> Any:
    asked = json.loads(json.loads(request.content)["messages"][1]["content"])["targets"]
    return openai_response(answer(*(rule(t["field"], None) for t in asked)))


def test_an_all_null_answer_removes_nothing(
    make_openai: Make, records: list[dict[str, Any]]
) -> None:
    alone = suggest("Invoice", samples=records)
    with respx.mock() as router:
        router.post(ENDPOINT).mock(side_effect=_null_for_every_target)
        refined = suggest("Invoice", samples=records, llm=make_openai())
    assert len(alone.rules) >= 7
    assert [(r.target, r.source) for r in refined.rules] == [
        (r.target, r.source) for r in alone.rules
    ]
    assert len([n for n in refined.notes if "unmapped; the matcher's rule" in n]) == len(
        alone.rules
    )


def _records() -> list[dict[str, Any]]:
    return [
        {"id": f"c{i}", "mail": f"u{i}@example.com", "notes_internal": f"internal {i}",
         "about_text": f"Customer number {i}", "nick": "x" if i == 1 else None}
        for i in range(1, 4)
    ]  # fmt: skip


def test_a_better_supported_replacement_is_taken(make_openai: Make) -> None:
    alone = suggest("Customer", samples=_records())
    mine = alone.rule_for("description")
    assert mine is not None
    assert mine.confidence < 0.9
    with respx.mock() as router:
        reply = answer(rule("description", "notes_internal", "strip"))
        router.post(ENDPOINT).mock(return_value=openai_response(reply))
        proposal = suggest("Customer", samples=_records(), llm=make_openai())
    taken = proposal.rule_for("description")
    assert taken is not None
    assert (taken.source, taken.origin) == ("notes_internal", "llm")


def test_a_worse_supported_replacement_is_only_noted(make_openai: Make) -> None:
    alone = suggest("Customer", samples=_records())
    mine = alone.rule_for("description")
    assert mine is not None
    with respx.mock() as router:
        reply = answer(rule("description", "nick"), rule("email", "about_text"))
        router.post(ENDPOINT).mock(return_value=openai_response(reply))
        proposal = suggest("Customer", samples=_records(), llm=make_openai())
    kept = proposal.rule_for("description")
    assert kept is not None
    assert (kept.source, kept.origin) == (mine.source, "matcher")
    assert any("the LLM proposed description <- nick" in n for n in proposal.notes)
    email = proposal.rule_for("email")
    assert email is not None
    assert (email.source, email.origin) == ("mail", "matcher")


def test_the_answer_can_join_several_sources(make_openai: Make) -> None:
    records = [
        {"id": "1", "vorname": "Ada", "nachname": "Lovelace"},
        {"id": "2", "vorname": "Alan", "nachname": "Turing"},
    ]
    joined = {"target": "name", "source": None, "sources": ["vorname", "nachname"],
              "transform": "join", "args": {}, "confidence": 0.8, "rationale": "names"}  # fmt: skip
    with respx.mock() as router:
        router.post(ENDPOINT).mock(return_value=openai_response(json.dumps({"rules": [joined]})))
        proposal = suggest("Customer", samples=records, llm=make_openai())
    name = proposal.rule_for("name")
    assert name is not None
    assert (name.source, name.transform, name.origin) == ("vorname + nachname", "join", "llm")
    assert name.samples[0].after == "Ada Lovelace"


def test_descriptors_line_lists_and_free_form_keys_in_the_prompt(make_openai: Make) -> None:
    records = [
        {"id": "in_1", "status": "paid", "currency": "usd", "total": 500,
         "metadata": {"jane.doe@example.com": "vip", "crm_ref": "X-99"},
         "line_items": [{"amount": 500, "quantity": 1, "description": "Plan"}]},
        {"id": "in_2", "status": "open", "currency": "usd", "total": 700,
         "metadata": {"jane.doe@example.com": "vip", "crm_ref": "X-98"},
         "line_items": [{"amount": 700, "quantity": 2, "description": "Seats"}]},
    ]  # fmt: skip
    reply = answer(rule("memo", "metadata.<key2>"))
    with respx.mock() as router:
        route = router.post(ENDPOINT).mock(return_value=openai_response(reply))
        proposal = suggest("Invoice", samples=records, llm=make_openai())
    bodies = [call.request.content.decode() for call in route.calls]
    assert not [b for b in bodies if "jane.doe@example.com" in b or "crm_ref" in b]
    first = json.loads(json.loads(bodies[0])["messages"][1]["content"])
    shapes = {f["path"]: f["type"] for f in first["vendor_fields"]}
    assert shapes["status"] == "string(enum-like)"
    assert {"metadata.<key1>", "metadata.<key2>"} <= set(shapes)
    assert first["line_lists"] == ["line_items"]
    assert "line items" in json.loads(bodies[0])["messages"][0]["content"]
    memo = proposal.rule_for("memo")
    assert memo is not None
    assert (memo.source, memo.origin) == ("metadata.crm_ref", "llm")
