"""Schema export, loading, and the drift guard against the committed schemas."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

import canonical
from canonical import (
    SCHEMA_VERSION,
    ChangeKind,
    SchemaError,
    check_version_bump,
    classify_change,
    committed_schema_dir,
    current_schemas,
    dump_schema,
    export_schemas,
    load_schemas,
    next_version,
    parse_version,
)

MODELS = ["Customer", "Event", "Invoice"]


def test_current_schemas_cover_the_top_level_models() -> None:
    schemas = current_schemas()
    assert sorted(schemas) == MODELS
    invoice = schemas["Invoice"]
    assert "InvoiceLine" in invoice["$defs"]
    amount = invoice["$defs"]["Money"]["properties"]["amount"]
    assert amount["type"] == "string"
    assert invoice["properties"]["currency"]["pattern"] == "^[A-Z]{3}$"
    assert invoice["additionalProperties"] is False


def test_export_writes_one_file_per_model(tmp_path: Path) -> None:
    paths = export_schemas(tmp_path)
    assert [p.name for p in paths] == ["Customer.json", "Invoice.json", "Event.json"]
    assert all(p.parent == tmp_path / SCHEMA_VERSION for p in paths)
    for path in paths:
        text = path.read_text(encoding="utf-8")
        assert text.endswith("}\n")
        assert json.loads(text) == current_schemas()[path.stem]
        assert text == dump_schema(json.loads(text))  # sorted keys, stable layout


def test_export_is_reproducible_and_keys_are_sorted(tmp_path: Path) -> None:
    first = [p.read_bytes() for p in export_schemas(tmp_path / "a")]
    second = [p.read_bytes() for p in export_schemas(tmp_path / "b")]
    assert first == second
    text = dump_schema({"b": 1, "a": {"d": 1, "c": 2}})
    assert text == '{\n  "a": {\n    "c": 2,\n    "d": 1\n  },\n  "b": 1\n}\n'


def test_export_to_an_unwritable_place_raises(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(SchemaError, match="cannot write schemas"):
        export_schemas(blocker)


def test_load_round_trip_and_errors(tmp_path: Path) -> None:
    export_schemas(tmp_path)
    assert load_schemas(tmp_path / SCHEMA_VERSION) == current_schemas()
    with pytest.raises(SchemaError, match="does not exist"):
        load_schemas(tmp_path / "9.9.9")
    (tmp_path / "empty").mkdir()
    with pytest.raises(SchemaError, match=r"no \*\.json schemas"):
        load_schemas(tmp_path / "empty")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "Customer.json").write_text("{not json")
    with pytest.raises(SchemaError, match="cannot read schema"):
        load_schemas(broken)


def test_schema_version_is_one_constant() -> None:
    from canonical import _schema

    assert canonical.SCHEMA_VERSION == _schema.SCHEMA_VERSION
    parse_version(SCHEMA_VERSION)


def test_committed_schemas_match_the_models() -> None:
    """Fails when a model changed without a schema version bump and export."""
    directory = committed_schema_dir()
    instructions = (
        f"The canonical models no longer match canonical/schemas/{SCHEMA_VERSION}. Run "
        "`canonry schema diff` (or canonical.classify_change) to see whether the change "
        "is patch, minor or major, bump SCHEMA_VERSION in canonical/_schema.py accordingly, "
        "then run `canonry schema export --dir canonical/schemas` and commit the new "
        "directory. Never edit an already released version directory."
    )
    assert directory.is_dir(), f"missing {directory}. {instructions}"
    committed = {p.stem: p.read_text(encoding="utf-8") for p in sorted(directory.glob("*.json"))}
    generated = {name: dump_schema(schema) for name, schema in current_schemas().items()}
    if committed != generated:
        change = classify_change(
            {k: json.loads(v) for k, v in committed.items()}, current_schemas()
        )
        target = next_version(SCHEMA_VERSION, change.kind)
        pytest.fail(f"{instructions}\n\nDetected change (needs {target}):\n{change}")


def test_committed_versions_were_bumped_correctly() -> None:
    root = committed_schema_dir().parent
    versions = sorted((p.name for p in root.iterdir() if p.is_dir()), key=parse_version)
    assert versions[-1] == SCHEMA_VERSION, "the newest committed schemas must be the current"
    for old, new in itertools.pairwise(versions):
        change = classify_change(load_schemas(root / old), load_schemas(root / new))
        check_version_bump(old, new, change)
    assert classify_change(current_schemas(), current_schemas()).kind is ChangeKind.NONE
