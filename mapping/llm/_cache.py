"""Replies cached on disk by request hash, so the same question is never paid for twice."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from canonical import ConfigurationError
from mapping.llm._types import LLMReply

__all__ = ["CACHE_ENV", "ReplyCache", "cache_from_env", "request_key"]

CACHE_ENV = "CANONRY_LLM_CACHE"


def request_key(url: str, body: dict[str, Any]) -> str:
    """sha256 of the endpoint and the request body (never of the headers, so no key)."""
    text = json.dumps({"url": url, "body": body}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


class ReplyCache:
    """One JSON file per request hash in ``directory`` (created on first write)."""

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)

    def get(self, key: str) -> LLMReply | None:
        path = self.directory / f"{key}.json"
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or not isinstance(data.get("text"), str):
            return None
        return LLMReply(
            text=data["text"],
            input_tokens=data.get("input_tokens"),
            output_tokens=data.get("output_tokens"),
            cached=True,
        )

    def put(self, key: str, reply: LLMReply) -> None:
        data = {
            "text": reply.text,
            "input_tokens": reply.input_tokens,
            "output_tokens": reply.output_tokens,
        }
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle)
            os.replace(tmp, self.directory / f"{key}.json")
        except OSError as exc:
            raise ConfigurationError(
                f"cannot write the LLM cache in {self.directory}: {exc.strerror}",
                hint=f"make the directory writable or point {CACHE_ENV} elsewhere",
            ) from exc


def cache_from_env(environ: dict[str, str] | None = None) -> ReplyCache | None:
    """The cache in ``$CANONRY_LLM_CACHE``, or None when it is not set."""
    value = (environ if environ is not None else os.environ).get(CACHE_ENV)
    return ReplyCache(value) if value else None
