"""Building a client from the environment; keys from env or the credential store, never argv.

``OPENAI_API_KEY`` / ``ANTHROPIC_API_KEY`` (or ``CANONRY_LLM_API_KEY`` for either),
``CANONRY_LLM_BASE_URL`` (an OpenAI-compatible server such as vLLM or Ollama, where no key
is needed), ``CANONRY_LLM_MODEL`` and ``CANONRY_LLM_CACHE`` (reply cache directory).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import SecretStr

from canonical import ConfigurationError
from mapping.llm._cache import cache_from_env
from mapping.llm._http import HttpLLMClient
from mapping.llm._providers import AnthropicClient, OpenAICompatibleClient

__all__ = ["DEFAULT_MODELS", "Provider", "api_key_from_env", "client_from_env"]

Provider = Literal["openai", "anthropic"]
OPENAI_URL = "https://api.openai.com/v1"
DEFAULT_MODELS: dict[str, str] = {"openai": "gpt-4o-mini", "anthropic": "claude-3-5-haiku-latest"}
_KEY_VARS = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}


def api_key_from_env(provider: str, environ: Mapping[str, str] | None = None) -> SecretStr | None:
    """The provider's key from its variable or ``CANONRY_LLM_API_KEY``; None when unset."""
    env = os.environ if environ is None else environ
    value = env.get(_KEY_VARS.get(provider, "")) or env.get("CANONRY_LLM_API_KEY")
    return SecretStr(value) if value else None


def client_from_env(
    provider: str,
    *,
    model: str | None = None,
    api_key: SecretStr | None = None,
    environ: Mapping[str, str] | None = None,
    **kwargs: Any,
) -> HttpLLMClient:
    """An OpenAI-compatible or Anthropic client configured from the environment.

    ``api_key`` (e.g. read from the credential store) wins over the environment.
    ``ConfigurationError`` when a hosted API has no key.
    """
    env = os.environ if environ is None else environ
    if provider not in _KEY_VARS:
        raise ConfigurationError(
            f"unknown LLM provider {provider!r}", hint="use openai or anthropic (or none)"
        )
    key = api_key or api_key_from_env(provider, env)
    chosen = model or env.get("CANONRY_LLM_MODEL") or DEFAULT_MODELS[provider]
    base_url = env.get("CANONRY_LLM_BASE_URL")
    kwargs.setdefault("cache", cache_from_env(dict(env)))
    if key is None and (provider == "anthropic" or not base_url):
        raise ConfigurationError(
            f"no API key for {provider}",
            hint=f"set {_KEY_VARS[provider]} (or CANONRY_LLM_API_KEY), store one with "
            f"`canonry credentials` under llm-{provider}, or point CANONRY_LLM_BASE_URL at a "
            "local OpenAI-compatible server",
        )
    if provider == "anthropic":
        if base_url:
            kwargs.setdefault("base_url", base_url)
        return AnthropicClient(chosen, key, **kwargs)
    return OpenAICompatibleClient(base_url or OPENAI_URL, chosen, key, **kwargs)
