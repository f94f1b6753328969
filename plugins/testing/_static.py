"""Contract checks that need no vendor: the declaration, the models, secrets in reprs.

Every check is a plain function that raises ``ContractViolation`` (an ``AssertionError``)
with a message saying what is wrong and how to fix it; the pytest base class calls them,
and authors can call them directly from any test runner.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, SecretBytes, SecretStr, ValidationError

from adapters import Adapter, Capability
from plugins._inspect import PluginProblem, inspect_adapter

__all__ = [
    "SECRET_NAME",
    "ContractViolation",
    "assert_no_secret_in",
    "check_declaration",
    "check_models",
    "check_no_secret_leaks",
    "unprotected_secret_fields",
]

SECRET_NAME = re.compile(
    r"(secret|token|passw(or)?d|passphrase|pwd|api_?key|private_?key|access_?key|signing_?key)s?$",
    re.IGNORECASE,
)
"""Field names that look like they hold a secret (``api_key``, ``client_secret``, ...)."""


class ContractViolation(AssertionError):
    """An adapter does not meet the contract; the message says what to change."""


def check_declaration(adapter_class: type[Adapter]) -> None:
    """The class loads through discovery's checks and declares a display name."""
    try:
        inspect_adapter(adapter_class)
    except PluginProblem as problem:
        raise ContractViolation(
            f"discovery would skip it ({problem.kind}): {problem.reason}"
        ) from None
    name = getattr(adapter_class, "display_name", None)
    if not isinstance(name, str) or not name.strip():
        raise ContractViolation(
            f"{adapter_class.__qualname__} declares no display_name; set a human-readable name"
        )
    caps = adapter_class.capabilities
    if not isinstance(caps, frozenset) or not all(isinstance(c, Capability) for c in caps):
        raise ContractViolation("capabilities must be a frozenset of adapters.Capability members")


def check_models(
    adapter_class: type[Adapter],
    *,
    credentials_sample: Mapping[str, Any],
    config_sample: Mapping[str, Any] | None = None,
) -> None:
    """Config/credential models are pydantic models that accept the samples; secrets are
    ``SecretStr`` in the credentials model and absent from the config model."""
    _validates(adapter_class.credentials_model, credentials_sample, "credentials_sample")
    if config_sample is not None:
        _validates(adapter_class.config_model, config_sample, "config_sample")
    plain = unprotected_secret_fields(adapter_class.credentials_model)
    if plain:
        raise ContractViolation(
            f"credentials fields {', '.join(plain)} look secret but are not SecretStr; "
            "declare them as pydantic.SecretStr so they never show in reprs or logs"
        )
    in_config = [
        name
        for name, field in adapter_class.config_model.model_fields.items()
        if SECRET_NAME.search(name) or _is_secret_type(field.annotation)
    ]
    if in_config:
        raise ContractViolation(
            f"config fields {', '.join(in_config)} look secret; config is stored in clear — "
            "move them to the credentials model as SecretStr"
        )


def unprotected_secret_fields(model: type[BaseModel]) -> list[str]:
    """Fields whose name looks secret but whose type is not SecretStr/SecretBytes."""
    return [
        name
        for name, field in model.model_fields.items()
        if SECRET_NAME.search(name) and not _is_secret_type(field.annotation)
    ]


def check_no_secret_leaks(adapter: Adapter, secrets: Iterable[str]) -> None:
    """No secret value shows in the reprs, strings or JSON dumps of the adapter's parts."""
    surfaces = {
        "repr(adapter)": repr(adapter),
        "str(adapter)": str(adapter),
        "repr(adapter.config)": repr(adapter.config),
        "repr(adapter.credentials)": repr(adapter.credentials),
        "str(adapter.credentials)": str(adapter.credentials),
        "adapter.credentials.model_dump()": str(adapter.credentials.model_dump()),
        "adapter.credentials.model_dump_json()": adapter.credentials.model_dump_json(),
    }
    assert_no_secret_in(surfaces, secrets)


def assert_no_secret_in(surfaces: Mapping[str, str], secrets: Iterable[str]) -> None:
    """Raise when any secret (of 4+ characters) occurs in any named text."""
    for secret in secrets:
        if len(secret) < 4:
            continue
        for where, text in surfaces.items():
            if secret in text:
                raise ContractViolation(
                    f"a secret value appears in {where}; mask it (SecretStr, or a __repr__ "
                    "that leaves secrets out)"
                )


def _validates(model: type[BaseModel], sample: Mapping[str, Any], label: str) -> None:
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise ContractViolation(f"{model!r} is not a pydantic model class")
    try:
        model.model_json_schema()
        model.model_validate(dict(sample))
    except ValidationError as exc:
        where = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ContractViolation(
            f"{label} does not validate against {model.__name__}: {where}"
        ) from None
    except Exception as exc:
        raise ContractViolation(
            f"{model.__name__} is not a usable pydantic model: {type(exc).__name__}: {exc}"
        ) from exc


def _is_secret_type(annotation: Any) -> bool:
    if annotation in (SecretStr, SecretBytes):
        return True
    if isinstance(annotation, type) and issubclass(annotation, SecretStr | SecretBytes):
        return True
    origin = typing.get_origin(annotation)
    args = [a for a in typing.get_args(annotation) if a is not type(None) and a is not Ellipsis]
    if origin is typing.Annotated:
        args = args[:1]
    elif origin not in (typing.Union, types.UnionType, list, tuple, set, frozenset):
        return False
    return bool(args) and all(_is_secret_type(a) for a in args)
