"""Canonical models: the vendor-neutral shapes every adapter produces.

Also here: exact ``Money`` with the ISO 4217 currency table, and the versioned JSON
Schema of the models (export, change classification, payload upgrades).
"""

from canonical._base import CanonicalModel, Source, UtcDatetime, canonical_id
from canonical._change import (
    ChangeKind,
    SchemaChange,
    bump_kind,
    check_version_bump,
    next_version,
    parse_version,
)
from canonical._compat import classify_change
from canonical._currencies import (
    ISO_4217_PUBLISHED,
    WITHDRAWN_CURRENCIES,
    CurrencyCode,
    active_currencies,
    currency_exponent,
    is_active_currency,
    is_known_currency,
)
from canonical._customer import Customer, CustomerKind
from canonical._errors import *  # noqa: F403
from canonical._errors import __all__ as _errors_all
from canonical._event import Event, EventType
from canonical._invoice import Invoice, InvoiceLine, InvoiceStatus
from canonical._money import Money
from canonical._schema import (
    SCHEMA_MODELS,
    SCHEMA_VERSION,
    committed_schema_dir,
    current_schemas,
    dump_schema,
    export_schemas,
    load_schemas,
    model_by_name,
)
from canonical._upgrade import UpgradeRegistry, UpgradeStep, register_upgrade, upgrade_payload
from canonical._values import Address, Email, Phone

__all__ = [
    "ISO_4217_PUBLISHED",
    "SCHEMA_MODELS",
    "SCHEMA_VERSION",
    "WITHDRAWN_CURRENCIES",
    "Address",
    "CanonicalModel",
    "ChangeKind",
    "CurrencyCode",
    "Customer",
    "CustomerKind",
    "Email",
    "Event",
    "EventType",
    "Invoice",
    "InvoiceLine",
    "InvoiceStatus",
    "Money",
    "Phone",
    "SchemaChange",
    "Source",
    "UpgradeRegistry",
    "UpgradeStep",
    "UtcDatetime",
    "active_currencies",
    "bump_kind",
    "canonical_id",
    "check_version_bump",
    "classify_change",
    "committed_schema_dir",
    "current_schemas",
    "currency_exponent",
    "dump_schema",
    "export_schemas",
    "is_active_currency",
    "is_known_currency",
    "load_schemas",
    "model_by_name",
    "next_version",
    "parse_version",
    "register_upgrade",
    "upgrade_payload",
    *_errors_all,
]
