"""The canonical schema version, its JSON Schemas, and exporting/loading them.

The exported schemas are the *validation* JSON Schemas (``mode="validation"``): they
describe what ``Model.model_validate`` accepts, which is exactly the question schema
versioning answers ("does a payload stored under version X still load?"). Money
amounts are declared as decimal strings in both modes, so the schema also describes the
JSON Canonry writes.

Layout on disk: ``<directory>/<version>/<Model>.json``, keys sorted, two-space indent,
trailing newline, so exports are byte-for-byte reproducible and diff cleanly.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from canonical._customer import Customer
from canonical._errors import SchemaError
from canonical._event import Event
from canonical._invoice import Invoice, InvoiceLine

__all__ = [
    "SCHEMA_MODELS",
    "SCHEMA_VERSION",
    "committed_schema_dir",
    "current_schemas",
    "dump_schema",
    "export_schemas",
    "load_schemas",
    "model_by_name",
]

SCHEMA_VERSION = "1.0.0"
"""Semantic version of the canonical schema; bump it with every exported change."""

SCHEMA_MODELS: Mapping[str, type[BaseModel]] = {
    "Customer": Customer,
    "Invoice": Invoice,
    "Event": Event,
}
"""The top-level models whose JSON Schemas are exported (InvoiceLine lives in Invoice's)."""

_BY_NAME: Mapping[str, type[BaseModel]] = {**SCHEMA_MODELS, "InvoiceLine": InvoiceLine}


def model_by_name(name: str) -> type[BaseModel]:
    """The canonical model class called ``name``: Customer, Invoice, InvoiceLine or Event.

    Case-insensitive (``"customer"`` works). An unknown name raises ``SchemaError``.
    """
    for known, model in _BY_NAME.items():
        if known.lower() == name.strip().lower():
            return model
    raise SchemaError(
        f"no canonical model named {name!r}",
        hint=f"use one of {', '.join(sorted(_BY_NAME))}",
    )


def current_schemas() -> dict[str, dict[str, Any]]:
    """The JSON Schema (validation mode) of every exported model, by model name."""
    return {
        name: model.model_json_schema(mode="validation") for name, model in SCHEMA_MODELS.items()
    }


def dump_schema(schema: Mapping[str, Any]) -> str:
    """The exported text of one schema: sorted keys, 2-space indent, trailing newline."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def export_schemas(directory: Path) -> list[Path]:
    """Write ``<directory>/<SCHEMA_VERSION>/<Model>.json`` for every model; returns the paths.

    Existing files of that version are overwritten; other versions are left alone.
    """
    target = Path(directory) / SCHEMA_VERSION
    try:
        target.mkdir(parents=True, exist_ok=True)
        written = []
        for name, schema in current_schemas().items():
            path = target / f"{name}.json"
            path.write_text(dump_schema(schema), encoding="utf-8")
            written.append(path)
    except OSError as exc:
        raise SchemaError(
            f"cannot write schemas to {target}: {exc.strerror or exc}",
            hint="choose a writable directory with --dir",
        ) from exc
    return written


def load_schemas(directory: Path) -> dict[str, dict[str, Any]]:
    """Read every ``<Model>.json`` in one version directory, by model name."""
    folder = Path(directory)
    if not folder.is_dir():
        raise SchemaError(
            f"schema directory {folder} does not exist",
            hint="give a version directory such as canonical/schemas/1.0.0",
        )
    schemas: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.glob("*.json")):
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SchemaError(f"cannot read schema {path}: {exc}") from exc
        if not isinstance(loaded, dict):
            raise SchemaError(f"schema {path} is not a JSON object")
        schemas[path.stem] = loaded
    if not schemas:
        raise SchemaError(
            f"no *.json schemas in {folder}",
            hint="export them with `canonry schema export --dir <dir>`",
        )
    return schemas


def committed_schema_dir(version: str = SCHEMA_VERSION) -> Path:
    """Where the schemas of ``version`` ship inside the package (``canonical/schemas/<v>``)."""
    return Path(__file__).resolve().parent / "schemas" / version
