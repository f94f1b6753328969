"""The public surface of the canonical package is pinned: changing it is deliberate."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import canonical

EXPECTED = {
    # models and value types
    "Address", "CanonicalModel", "Customer", "CustomerKind", "Email", "Event", "EventType",
    "Invoice", "InvoiceLine", "InvoiceStatus", "Money", "Phone", "Source", "UtcDatetime",
    "canonical_id", "model_by_name",
    # currencies
    "CurrencyCode", "ISO_4217_PUBLISHED", "WITHDRAWN_CURRENCIES", "active_currencies",
    "currency_exponent", "is_active_currency", "is_known_currency",
    # schema versioning
    "SCHEMA_MODELS", "SCHEMA_VERSION", "ChangeKind", "SchemaChange", "UpgradeRegistry",
    "UpgradeStep", "bump_kind", "check_version_bump", "classify_change",
    "committed_schema_dir", "current_schemas", "dump_schema", "export_schemas",
    "load_schemas", "next_version", "parse_version", "register_upgrade", "upgrade_payload",
}  # fmt: skip


CORE_ERRORS = {"CanonryError", "ConfigurationError", "CurrencyMismatchError", "SchemaError",
               "ValidationFailed", "MappingError", "AdapterError"}  # fmt: skip


def test_all_is_pinned() -> None:
    """Models, currencies and schema API are pinned; errors come from ``_errors.__all__``,
    which grows as packages add subclasses (all must derive from CanonryError)."""
    from canonical import _errors

    assert set(canonical.__all__) == EXPECTED | set(_errors.__all__)
    assert len(canonical.__all__) == len(set(canonical.__all__)), "duplicate names in __all__"
    assert set(_errors.__all__) >= CORE_ERRORS
    for name in set(_errors.__all__) - {"error_class_for_status"}:
        assert issubclass(getattr(canonical, name), canonical.CanonryError), name


def test_every_exported_name_exists() -> None:
    for name in canonical.__all__:
        assert hasattr(canonical, name), name


def test_private_modules_declare_all_and_are_re_exported() -> None:
    for info in pkgutil.iter_modules(canonical.__path__):
        module = importlib.import_module(f"canonical.{info.name}")
        assert info.name.startswith("_"), f"public module canonical.{info.name}"
        names = getattr(module, "__all__", None)
        assert names is not None, f"canonical.{info.name} has no __all__"
        if info.name != "_keywords":  # internal rules of classify_change
            assert set(names) <= set(canonical.__all__), info.name


def test_errors_share_the_root() -> None:
    assert issubclass(canonical.CurrencyMismatchError, canonical.CanonryError)
    assert issubclass(canonical.SchemaError, canonical.CanonryError)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (400, "InvalidRequestError"),
        (401, "AuthenticationError"),
        (403, "PermissionDeniedError"),
        (404, "NotFoundError"),
        (410, "NotFoundError"),
        (418, "InvalidRequestError"),
        (422, "InvalidRequestError"),
        (429, "RateLimitError"),
        (503, "VendorServerError"),
        (302, "AdapterError"),
    ],
)
def test_one_status_table_for_every_client(status: int, expected: str) -> None:
    cls = canonical.error_class_for_status(status)
    assert cls is getattr(canonical, expected)
    assert cls.retryable is (status == 429 or status >= 500)
