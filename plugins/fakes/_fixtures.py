"""Real vendor objects shipped with the fakes (``plugins/fakes/fixtures``, see its README)."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["FIXTURES", "vendor_fixture", "vendor_fixture_names"]

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@cache
def _load(vendor: str, name: str) -> dict[str, Any]:
    path = FIXTURES / vendor / f"{name}.json"
    if not path.is_file():
        known = ", ".join(vendor_fixture_names(vendor)) or "none"
        raise LookupError(f"no {vendor} fixture named {name!r} (known: {known})")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def vendor_fixture(vendor: str, name: str) -> dict[str, Any]:
    """A fresh copy of a real vendor object, e.g. ``vendor_fixture("stripe", "invoice")``."""
    return copy.deepcopy(_load(vendor, name))


def vendor_fixture_names(vendor: str) -> list[str]:
    folder = FIXTURES / vendor
    return sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []
