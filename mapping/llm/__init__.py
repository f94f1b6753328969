"""The optional LLM pass of mapping suggestions, over httpx (OpenAI-compatible, Anthropic).

client = OpenAICompatibleClient("http://127.0.0.1:11434/v1", "llama3.1", api_key=None)
proposal = suggest("Invoice", samples=records, llm=client)   # only names/types leave
"""

from mapping.llm._cache import CACHE_ENV, ReplyCache, cache_from_env, request_key
from mapping.llm._http import HttpLLMClient
from mapping.llm._keys import DEFAULT_MODELS, api_key_from_env, client_from_env
from mapping.llm._prompt import ANSWER_SCHEMA, LLMAnswer, LLMRule, estimate_tokens
from mapping.llm._providers import AnthropicClient, OpenAICompatibleClient
from mapping.llm._refine import Refined, RefineOptions, refine
from mapping.llm._types import LLMClient, LLMReply, LLMRequest, Message

__all__ = [
    "ANSWER_SCHEMA",
    "CACHE_ENV",
    "DEFAULT_MODELS",
    "AnthropicClient",
    "HttpLLMClient",
    "LLMAnswer",
    "LLMClient",
    "LLMReply",
    "LLMRequest",
    "LLMRule",
    "Message",
    "OpenAICompatibleClient",
    "RefineOptions",
    "Refined",
    "ReplyCache",
    "api_key_from_env",
    "cache_from_env",
    "client_from_env",
    "estimate_tokens",
    "refine",
    "request_key",
]
