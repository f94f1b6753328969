"""Declarative mappings from vendor records to canonical models, and the engine that applies them.

mapping = Mapping.load("adapters/stripe/mappings/invoices.yaml")
invoice = mapping.compile().apply(record, source=Source(adapter="stripe", connection_id="c1"))
"""

from mapping._compile import CompiledMapping
from mapping._lenient import FIELD_ERRORS, FieldErrors, FieldWarning
from mapping._model import Mapping
from mapping._overrides import AnyMapping, LayeredMapping, MappingOverride
from mapping._paths import SourcePath, parse_path
from mapping._registry import (
    Apply,
    Context,
    TransformFactory,
    TransformSpec,
    build_transform,
    check_args,
    get_transform,
    register_transform,
    transform_names,
)
from mapping._rules import CustomFieldsOptions, LinesMapping, Rule, TransformStep

__all__ = [
    "FIELD_ERRORS",
    "AnyMapping",
    "Apply",
    "CompiledMapping",
    "Context",
    "CustomFieldsOptions",
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
