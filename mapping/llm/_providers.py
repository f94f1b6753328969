"""The two wire formats: OpenAI-compatible chat completions and Anthropic messages."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import SecretStr

from canonical import VendorServerError
from mapping.llm._http import HttpLLMClient
from mapping.llm._types import LLMReply, LLMRequest

__all__ = ["AnthropicClient", "OpenAICompatibleClient"]

JsonMode = Literal["json_schema", "json_object", "none"]


class OpenAICompatibleClient(HttpLLMClient):
    """``POST {base_url}/chat/completions`` (OpenAI, vLLM, Ollama's ``/v1``, Gorilla...).

    ``json_mode`` picks how JSON is asked for: ``json_schema`` (structured outputs),
    ``json_object`` (JSON mode) or ``none`` (the prompt alone), for servers that lack one.
    """

    provider = "openai"

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: SecretStr | None = None,
        *,
        json_mode: JsonMode = "json_schema",
        **kwargs: Any,
    ) -> None:
        super().__init__(base_url, model, api_key, **kwargs)
        self.json_mode: JsonMode = json_mode

    def _url(self) -> str:
        return f"{self.base_url}/chat/completions"

    def _headers(self) -> dict[str, str]:
        if self._api_key is None:
            return {}
        return {"Authorization": f"Bearer {self._api_key.get_secret_value()}"}

    def _body(self, request: LLMRequest) -> dict[str, Any]:
        messages = [{"role": "system", "content": request.system}]
        messages += [{"role": m.role, "content": m.content} for m in request.messages]
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": 0,
            "max_tokens": request.max_tokens,
        }
        if self.json_mode == "json_schema":
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": request.schema_name, "schema": request.schema},
            }
        elif self.json_mode == "json_object":
            body["response_format"] = {"type": "json_object"}
        return body

    def _reply(self, data: dict[str, Any]) -> LLMReply:
        try:
            content = data["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError) as exc:
            raise VendorServerError(f"{self.name} answered without choices[0].message") from exc
        usage = _usage(data)
        return LLMReply(
            text=content if isinstance(content, str) else "",
            input_tokens=usage.get("prompt_tokens"),
            output_tokens=usage.get("completion_tokens"),
        )


class AnthropicClient(HttpLLMClient):
    """``POST {base_url}/v1/messages``; the answer is forced through one tool's input schema."""

    provider = "anthropic"
    API_VERSION = "2023-06-01"

    def __init__(
        self,
        model: str,
        api_key: SecretStr | None,
        *,
        base_url: str = "https://api.anthropic.com",
        **kwargs: Any,
    ) -> None:
        super().__init__(base_url, model, api_key, **kwargs)

    def _url(self) -> str:
        return f"{self.base_url}/v1/messages"

    def _headers(self) -> dict[str, str]:
        headers = {"anthropic-version": self.API_VERSION}
        if self._api_key is not None:
            headers["x-api-key"] = self._api_key.get_secret_value()
        return headers

    def _body(self, request: LLMRequest) -> dict[str, Any]:
        tool = {
            "name": request.schema_name,
            "description": "Submit the mapping rules.",
            "input_schema": request.schema,
        }
        return {
            "model": self.model,
            "max_tokens": request.max_tokens,
            "temperature": 0,
            "system": request.system,
            "messages": [{"role": m.role, "content": m.content} for m in request.messages],
            "tools": [tool],
            "tool_choice": {"type": "tool", "name": request.schema_name},
        }

    def _reply(self, data: dict[str, Any]) -> LLMReply:
        blocks = data.get("content")
        if not isinstance(blocks, list):
            raise VendorServerError(f"{self.name} answered without content blocks")
        text = ""
        for block in blocks:
            if isinstance(block, dict) and block.get("type") == "tool_use":
                text = json.dumps(block.get("input"))
                break
            if isinstance(block, dict) and block.get("type") == "text":
                text += str(block.get("text", ""))
        usage = _usage(data)
        return LLMReply(
            text=text,
            input_tokens=usage.get("input_tokens"),
            output_tokens=usage.get("output_tokens"),
        )


def _usage(data: dict[str, Any]) -> dict[str, Any]:
    usage = data.get("usage")
    return usage if isinstance(usage, dict) else {}
