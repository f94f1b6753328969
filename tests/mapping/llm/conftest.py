"""Fixtures for the LLM pass: vendor records with distinctive values and answer builders."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from mapping.llm import AnthropicClient, OpenAICompatibleClient, ReplyCache

OPENAI_URL = "http://llm.test/v1"
ANTHROPIC_URL = "http://anthropic.test"
KEY = "sk-test-llm-9f8e7d6c5b4a"  # hunted for in outputs


def invoice(i: int, status: str) -> dict[str, Any]:
    return {
        "invoice_id": f"INV-ZQX-{i:04d}",
        "doc_ref": f"Ref-Quartzite-{i}",
        "status": status,
        "currency_code": "EUR",
        "total": 123457 + i,
        "amount_due": 23457 + i,
        "date": 1_717_171_717 + i,
        "customer_id": f"CUS-Marigold-{i}",
        "remarks": f"Zebra sentinel note {i}",
        "billing_email": f"owl.{i}@hidden-example.org",
    }


@pytest.fixture
def records() -> list[dict[str, Any]]:
    return [invoice(1, "paid"), invoice(2, "posted"), invoice(3, "voided")]


def sample_values(records: list[dict[str, Any]]) -> set[str]:
    """Every value of the records that is distinctive enough to spot in a request body."""
    out: set[str] = set()
    for record in records:
        for value in record.values():
            if isinstance(value, str) and len(value) > 6:
                out.add(value)
            elif isinstance(value, int) and value > 9999:
                out.add(str(value))
    return out


def answer(*rules: dict[str, Any]) -> str:
    return json.dumps({"rules": list(rules)})


def rule(
    target: str, source: str | None, transform: str | None = None, **args: Any
) -> dict[str, Any]:
    return {
        "target": target,
        "source": source,
        "transform": transform,
        "args": args,
        "confidence": 0.9,
        "rationale": "looks right",
    }


def openai_response(content: str, status: int = 200, **headers: str) -> httpx.Response:
    body = {
        "choices": [{"message": {"role": "assistant", "content": content}}],
        "usage": {"prompt_tokens": 500, "completion_tokens": 100},
    }
    return httpx.Response(status, json=body, headers=headers)


def anthropic_response(payload: dict[str, Any]) -> httpx.Response:
    body = {
        "content": [{"type": "tool_use", "id": "tu_1", "name": "mapping_rules", "input": payload}],
        "usage": {"input_tokens": 400, "output_tokens": 80},
    }
    return httpx.Response(200, json=body)


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make_openai(sleeps: list[float]) -> Iterator[Callable[..., OpenAICompatibleClient]]:
    made: list[OpenAICompatibleClient] = []

    def make(cache: ReplyCache | None = None, **kwargs: Any) -> OpenAICompatibleClient:
        client = OpenAICompatibleClient(
            OPENAI_URL, "test-model", SecretStr(KEY), cache=cache, sleep=sleeps.append, **kwargs
        )
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def make_anthropic(sleeps: list[float]) -> Iterator[Callable[..., AnthropicClient]]:
    made: list[AnthropicClient] = []

    def make(**kwargs: Any) -> AnthropicClient:
        client = AnthropicClient(
            "claude-test", SecretStr(KEY), base_url=ANTHROPIC_URL, sleep=sleeps.append, **kwargs
        )
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()
