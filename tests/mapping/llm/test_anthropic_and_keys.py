"""The Anthropic messages API, and clients built from the environment."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx
from pydantic import SecretStr

from canonical import ConfigurationError
from mapping.llm import (
    AnthropicClient,
    LLMClient,
    OpenAICompatibleClient,
    api_key_from_env,
    client_from_env,
)
from mapping.suggest import suggest
from tests.mapping.llm.conftest import ANTHROPIC_URL, KEY, anthropic_response, rule, sample_values

Make = Callable[..., AnthropicClient]
ENDPOINT = f"{ANTHROPIC_URL}/v1/messages"


def test_anthropic_answer_through_the_forced_tool(
    make_anthropic: Make, records: list[dict[str, Any]]
) -> None:
    payload = {"rules": [rule("memo", "remarks", "normalize_space")]}
    with respx.mock() as router:
        route = router.post(ENDPOINT).mock(return_value=anthropic_response(payload))
        client = make_anthropic()
        assert isinstance(client, LLMClient)
        proposal = suggest("Invoice", samples=records, llm=client)
    memo = proposal.rule_for("memo")
    assert memo is not None
    assert memo.origin == "llm"
    assert memo.transform == "normalize_space"
    request = route.calls[0].request
    assert request.headers["x-api-key"] == KEY
    assert request.headers["anthropic-version"] == "2023-06-01"
    body = json.loads(request.content)
    assert body["tool_choice"] == {"type": "tool", "name": "mapping_rules"}
    assert body["tools"][0]["input_schema"]["required"] == ["rules"]
    assert not [v for v in sample_values(records) if v in request.content.decode()]


def test_anthropic_overload_is_retried(
    make_anthropic: Make, records: list[dict[str, Any]], sleeps: list[float]
) -> None:
    payload = {"rules": [rule("memo", "remarks")]}
    overloaded = httpx.Response(529, json={"type": "error", "error": {"type": "overloaded_error"}})
    with respx.mock() as router:
        route = router.post(ENDPOINT).mock(side_effect=[overloaded, anthropic_response(payload)])
        proposal = suggest("Invoice", samples=records, llm=make_anthropic())
    assert route.call_count == 2
    assert sleeps == [1.0]
    assert proposal.rule_for("memo") is not None


def test_anthropic_text_answer_is_accepted(
    make_anthropic: Make, records: list[dict[str, Any]]
) -> None:
    text = json.dumps({"rules": [rule("memo", "remarks")]})
    body = {
        "content": [{"type": "text", "text": text}],
        "usage": {"input_tokens": 1, "output_tokens": 1},
    }
    with respx.mock() as router:
        router.post(ENDPOINT).mock(return_value=httpx.Response(200, json=body))
        proposal = suggest("Invoice", samples=records, llm=make_anthropic())
    assert proposal.rule_for("memo") is not None


def test_keys_come_from_the_environment() -> None:
    env = {"OPENAI_API_KEY": "sk-from-env", "ANTHROPIC_API_KEY": "sk-ant-env"}
    key = api_key_from_env("openai", env)
    assert key is not None
    assert key.get_secret_value() == "sk-from-env"
    assert "sk-from-env" not in repr(key)
    generic = api_key_from_env("anthropic", {"CANONRY_LLM_API_KEY": "sk-generic"})
    assert generic is not None
    assert generic.get_secret_value() == "sk-generic"
    assert api_key_from_env("openai", {}) is None


def test_client_from_env_builds_each_provider() -> None:
    openai = client_from_env(
        "openai", environ={"OPENAI_API_KEY": "sk-x", "CANONRY_LLM_MODEL": "m1"}
    )
    anthropic = client_from_env("anthropic", environ={"ANTHROPIC_API_KEY": "sk-y"})
    local = client_from_env("openai", environ={"CANONRY_LLM_BASE_URL": "http://127.0.0.1:11434/v1"})
    try:
        assert isinstance(openai, OpenAICompatibleClient)
        assert openai.name == "openai:m1"
        assert openai.base_url == "https://api.openai.com/v1"
        assert isinstance(anthropic, AnthropicClient)
        assert anthropic.name.startswith("anthropic:")
        assert local.base_url == "http://127.0.0.1:11434/v1"
        assert "sk-x" not in repr(openai)
    finally:
        for client in (openai, anthropic, local):
            client.close()
    explicit = client_from_env("anthropic", api_key=SecretStr("sk-store"), environ={})
    explicit.close()


def test_a_hosted_api_without_a_key_is_refused_clearly() -> None:
    with pytest.raises(ConfigurationError, match="no API key for openai") as caught:
        client_from_env("openai", environ={})
    assert "OPENAI_API_KEY" in str(caught.value)
    with pytest.raises(ConfigurationError, match="unknown LLM provider"):
        client_from_env("gemini", environ={})


def test_the_transport_is_injectable(records: list[dict[str, Any]]) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return anthropic_response({"rules": [rule("memo", "remarks")]})

    transport = httpx.MockTransport(handler)
    client = AnthropicClient("c", SecretStr(KEY), base_url=ANTHROPIC_URL, transport=transport)
    try:
        proposal = suggest("Invoice", samples=records, llm=client)
    finally:
        client.close()
    assert [r.url.path for r in seen] == ["/v1/messages"]
    assert proposal.rule_for("memo") is not None
