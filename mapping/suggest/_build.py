"""From a matched (canonical field, vendor field) pair to the mapping rules that fill it.

The transform follows from the target's kind and the vendor values' pattern: unix seconds
or milliseconds, ISO text, minor units next to a currency field, decimal amounts (mapped
as ``<money>.amount`` + ``<money>.currency``), enum value maps, upper-cased codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mapping._rules import Rule
from mapping.suggest._enums import DEFAULTS, enum_values, widen
from mapping.suggest._fields import VendorField
from mapping.suggest._targets import TargetField

__all__ = ["Built", "build_rules"]

_TIME = {
    "unix_seconds": "unix_seconds",
    "unix_ms": "unix_ms",
    "iso_datetime": "iso_datetime",
    "iso_date": "iso_datetime",
}


@dataclass
class Built:
    """The rules for one target (money may need two), the main transform and a note."""

    rules: dict[str, Rule]
    transform: str | None
    args: dict[str, Any] = field(default_factory=dict)
    note: str = ""


def _rule(source: str, transform: str | None = None, args: dict[str, Any] | None = None) -> Rule:
    data: dict[str, Any] = {"source": source}
    if transform is not None:
        data["transform"] = transform
    if args:
        data["args"] = args
    return Rule.model_validate(data)


def _single(target: str, vf: VendorField, transform: str | None, note: str = "") -> Built:
    return Built({target: _rule(vf.path, transform)}, transform, {}, note)


def build_rules(
    target: TargetField, vf: VendorField, currency_path: str | None, *, line: bool = False
) -> Built | None:
    """The rules filling ``target`` from ``vf``, or None when no transform fits.

    ``line``: the rule is for an invoice line, whose currency may sit on the invoice
    (decimal amounts then take ``major_units``, which reads the line, then the invoice).
    """
    kind, pattern = target.kind, vf.pattern
    if kind == "datetime":
        transform = _TIME.get(pattern)
        return _single(target.name, vf, transform, pattern.replace("_", " ")) if transform else None
    if kind == "money":
        return _money(target, vf, currency_path, line)
    if kind == "enum":
        return _enum(target, vf)
    if kind in ("currency", "country"):
        return _single(target.name, vf, "upper", "code, upper-cased")
    if kind == "bool" and pattern in ("enum_like", "text"):
        return _enum(target, vf)  # a state/status field whose values say deleted or not
    if kind == "bool":
        return _single(target.name, vf, None if pattern == "boolean" else "bool")
    if kind == "email":
        return _single(target.name, vf, "strip")
    if kind == "id":
        return _single(target.name, vf, "str" if vf.kind in ("integer", "number") else None)
    if kind == "decimal":
        return _single(target.name, vf, "decimal", "exact decimal")
    if vf.kind in ("integer", "number"):
        return _single(target.name, vf, "str", "number as text")
    return _single(target.name, vf, "normalize_space" if kind in ("text", "phone") else None)


def _money(
    target: TargetField, vf: VendorField, currency_path: str | None, line: bool
) -> Built | None:
    if currency_path is None:
        return None
    pattern = vf.pattern
    args = {} if currency_path == "currency" else {"currency": currency_path}
    if pattern in ("integer", "integer_text", "unix_seconds"):
        rule = _rule(vf.path, "minor_units", args)
        return Built({target.name: rule}, "minor_units", args, f"minor units in {currency_path}")
    if pattern in ("decimal", "decimal_text") and line:
        rule = _rule(vf.path, "major_units", args)
        return Built({target.name: rule}, "major_units", args, f"decimal, currency {currency_path}")
    if pattern in ("decimal", "decimal_text"):
        rules = {
            f"{target.name}.amount": _rule(vf.path, "decimal"),
            f"{target.name}.currency": _rule(currency_path, "upper"),
        }
        return Built(rules, "decimal", {}, f"decimal amount, currency from {currency_path}")
    return None


def _enum(target: TargetField, vf: VendorField) -> Built | None:
    """An enum map: the values seen (or a schema's), the vocabulary's others, a default.

    A sample value the vocabulary does not know gets no default, so the rule fails on that
    sample and is dropped with the reason instead of guessing.
    """
    values, missed = enum_values(target.name, vf.distinct())
    if not values:
        return None
    wide = widen(target.name, values)
    args: dict[str, Any] = {"values": wide}
    default = DEFAULTS.get(target.name)
    guessed = missed and vf.enum is None
    if default is not None and not guessed:
        args["default"] = default
    unseen = [v for v in wide if v not in values]
    note = f"{len(values)} {'documented' if vf.enum is not None else 'seen'} values mapped"
    if unseen:
        note += f"; not seen, from the vocabulary: {', '.join(unseen[:8])}"
        note += "..." if len(unseen) > 8 else ""
    if missed and vf.enum is not None:
        note += f"; documented values not recognised: {', '.join(missed[:5])}"
    if "default" in args:
        note += f"; any other value -> {default!r}"
    if len(vf.values) < 2 and vf.enum is None:
        note += "; learned from one sample: review the map"
    rule = _rule(vf.path, "enum", args)
    return Built({target.name: rule}, "enum", args, note)
