"""Reading mapping documents (YAML/JSON text or files) and explaining why one is refused."""

from __future__ import annotations

import json
import reprlib
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from canonical import MappingError

__all__ = ["load_error", "parse_document", "read_document", "short_repr", "yaml_text"]

_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 60
_REPR.maxlist = _REPR.maxdict = 4
_REPR.maxlevel = 2
_FORMATS = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}


def short_repr(value: Any) -> str:
    """A short repr of a value for error messages."""
    return _REPR.repr(value)


def parse_document(text: str, fmt: str, what: str) -> dict[str, Any]:
    """Parse YAML or JSON text into a dict; ``MappingError`` if it is not one."""
    try:
        data = yaml.safe_load(text) if fmt == "yaml" else json.loads(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise MappingError(
            f"{what} is not valid {fmt.upper()}: {exc}", hint="fix the syntax and load it again"
        ) from exc
    if not isinstance(data, dict):
        raise MappingError(
            f"{what} must be a {fmt.upper()} object with keys such as name, model, version, "
            f"rules; got {type(data).__name__}"
        )
    return data


def read_document(path: Path | str, what: str) -> dict[str, Any]:
    """Read a ``.yaml``/``.yml``/``.json`` file; the suffix decides the format."""
    file = Path(path)
    fmt = _FORMATS.get(file.suffix.lower())
    if fmt is None:
        raise MappingError(
            f"cannot tell the format of {what} file {file}: use a .yaml, .yml or .json suffix"
        )
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise MappingError(f"cannot read {what} file {file}: {exc.strerror or exc}") from exc
    return parse_document(text, fmt, f"{what} {file.name}")


def yaml_text(data: dict[str, Any]) -> str:
    """Dump plain data as block-style YAML, keys in the order given."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False)


_RULE_KEYS = "; a rule takes source, sources, transform, args, default or const"


def _rule_of(loc: tuple[int | str, ...]) -> str | None:
    if len(loc) >= 2 and loc[0] == "rules":
        return str(loc[1])
    if len(loc) >= 3 and loc[:2] == ("lines", "rules"):
        return f"lines.{loc[2]}"
    return None


def _best(errors: list[ErrorDetails]) -> ErrorDetails:
    for err in errors:
        if err["type"] == "value_error":
            return err
    return errors[0]


def load_error(exc: ValidationError, what: str) -> MappingError:
    """Turn pydantic's refusal of a mapping document into one clear ``MappingError``."""
    errors = exc.errors()
    err = _best(errors)
    loc = tuple(err["loc"])
    rule = _rule_of(loc)
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        msg = f"unknown key {str(loc[-1])!r}" + (_RULE_KEYS if rule else "")
    where = f"rule {rule!r}" if rule else ".".join(str(p) for p in loc) or "document"
    more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
    return MappingError(
        f"{what} is invalid: {where}: {msg}{more}",
        rule=rule,
        value=short_repr(err.get("input")),
        hint="fix the mapping document; nothing was loaded",
    )
