"""The adapter contract test kit, for the test suites of adapter authors.

Subclass ``AdapterContractTests`` under plain pytest (see its docstring), or call the
``check_*`` functions from any test; each raises ``ContractViolation`` (an
``AssertionError``) whose message says what to fix. Importing this module needs pytest.
"""

from plugins.testing._kit import AdapterContractTests, AdapterFactory
from plugins.testing._mappings import check_default_mapping
from plugins.testing._static import (
    SECRET_NAME,
    ContractViolation,
    assert_no_secret_in,
    check_declaration,
    check_models,
    check_no_secret_leaks,
    unprotected_secret_fields,
)
from plugins.testing._streams import (
    RecordId,
    check_check_ok,
    check_check_refused,
    check_paging,
    check_resume,
    check_unknown_stream,
    default_record_id,
    read_pages,
)

__all__ = [
    "SECRET_NAME",
    "AdapterContractTests",
    "AdapterFactory",
    "ContractViolation",
    "RecordId",
    "assert_no_secret_in",
    "check_check_ok",
    "check_check_refused",
    "check_declaration",
    "check_default_mapping",
    "check_models",
    "check_no_secret_leaks",
    "check_paging",
    "check_resume",
    "check_unknown_stream",
    "default_record_id",
    "read_pages",
    "unprotected_secret_fields",
]
