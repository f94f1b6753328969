"""The names the mapping package exports: others code against them."""

from __future__ import annotations

import mapping


def test_exported_names_are_pinned():
    assert sorted(mapping.__all__) == [
        "AnyMapping",
        "Apply",
        "CompiledMapping",
        "Context",
        "CustomFieldsOptions",
        "FIELD_ERRORS",
        "FieldErrors",
        "FieldWarning",
        "LayeredMapping",
        "LinesMapping",
        "Mapping",
        "MappingOverride",
        "Rule",
        "SourcePath",
        "TransformFactory",
        "TransformSpec",
        "TransformStep",
        "build_transform",
        "check_args",
        "get_transform",
        "parse_path",
        "register_transform",
        "transform_names",
    ]
    for name in mapping.__all__:
        assert getattr(mapping, name) is not None


def test_mapping_constructors_exist():
    for name in ("from_yaml", "from_json", "load", "model_validate"):
        assert callable(getattr(mapping.Mapping, name))
    for name in ("to_yaml", "compile", "source_paths", "with_overrides"):
        assert callable(getattr(mapping.Mapping, name))
