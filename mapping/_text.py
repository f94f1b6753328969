"""Built-in text transforms: case, whitespace, joining and splitting names.

Case and whitespace transforms turn an empty result into ``None``, so a rule's
``default`` applies to blank vendor values as it does to missing ones.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from mapping._registry import Apply, Context, check_args, register_transform
from mapping._transforms import is_empty, no_args

__all__: list[str] = []


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, got {type(value).__name__}")
    return value


def _string_transform(name: str, op: Callable[[str], str]) -> None:
    def factory(args: dict[str, Any]) -> Apply:
        no_args(name, args)

        def apply(value: Any, ctx: Context) -> str | None:
            return op(_text(value)) or None

        return apply

    factory.__doc__ = f"Text -> {name} (empty -> None)."
    register_transform(name)(factory)


_string_transform("lower", str.lower)
_string_transform("upper", str.upper)
_string_transform("strip", str.strip)
_string_transform("title", lambda s: " ".join(w.capitalize() for w in s.split()))
_string_transform("normalize_space", lambda s: " ".join(s.split()))


class _JoinArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    separator: str = " "


def _piece(value: Any) -> str:
    if isinstance(value, str | int) and not isinstance(value, bool):
        return str(value).strip()
    raise TypeError(f"cannot join a {type(value).__name__}")


@register_transform("join")
def join(args: dict[str, Any]) -> Apply:
    """Concatenate the values of ``sources`` (or a list) with ``separator``, skipping empties."""
    separator = check_args(_JoinArgs, args).separator

    def apply(value: Any, ctx: Context) -> str | None:
        items = value if isinstance(value, list) else [value]
        pieces = [p for p in (_piece(v) for v in items if not is_empty(v)) if p]
        return separator.join(pieces) or None

    return apply


class _SplitArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    part: Literal["given", "family"]


@register_transform("split_name")
def split_name(args: dict[str, Any]) -> Apply:
    """One part of a full name: ``given`` (first word) or ``family`` (the rest)."""
    part = check_args(_SplitArgs, args).part

    def apply(value: Any, ctx: Context) -> str | None:
        words = _text(value).split()
        if not words:
            return None
        if part == "given":
            return words[0]
        return " ".join(words[1:]) or None

    return apply
