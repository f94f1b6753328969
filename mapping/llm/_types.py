"""The seam between the LLM pass and a provider: one request in, one reply out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

__all__ = ["LLMClient", "LLMReply", "LLMRequest", "Message"]


@dataclass(frozen=True)
class Message:
    role: Literal["user", "assistant"]
    content: str


@dataclass(frozen=True)
class LLMRequest:
    """A chat request asking for JSON that fits ``schema`` (a JSON Schema object)."""

    system: str
    messages: tuple[Message, ...]
    schema: dict[str, Any]
    schema_name: str = "mapping_rules"
    max_tokens: int = 2000


@dataclass(frozen=True)
class LLMReply:
    """The model's answer text (JSON expected) and the tokens the provider counted."""

    text: str
    input_tokens: int | None = None
    output_tokens: int | None = None
    cached: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class LLMClient(Protocol):
    """Anything that answers an :class:`LLMRequest` (OpenAI-compatible, Anthropic, a fake)."""

    @property
    def name(self) -> str:
        """``provider:model``, for notes and cache keys."""
        ...

    def complete(self, request: LLMRequest) -> LLMReply:
        """Send the request; raise canonical ``AdapterError`` subclasses on failure."""
        ...
