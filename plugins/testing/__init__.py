"""The adapter contract test kit and the replication kit, for adapter authors' test suites.

Subclass ``AdapterContractTests`` under plain pytest (see its docstring), or call the
``check_*`` functions from any test; each raises ``ContractViolation`` (an
``AssertionError``) whose message says what to fix. The replication kit
(``run_scenario``/``check_replication``) syncs a stream while a ``Mutator`` changes the fake
vendor's data, and compares the replica with the vendor's final state
(``ReplicationReport``); ``STRIPE_SCENARIOS`` and ``HUBSPOT_SCENARIOS`` are the built-in
fakes' mutators.
Importing this module needs pytest.
"""

from plugins.testing._hubspot_scenarios import (
    HUBSPOT_SCENARIOS,
    HubSpotDeletes,
    HubSpotEqualTimestamps,
    HubSpotEverything,
    HubSpotFlaky,
    HubSpotInserts,
    HubSpotLateIndex,
    HubSpotMutator,
    HubSpotUpdates,
)
from plugins.testing._kit import AdapterContractTests, AdapterFactory
from plugins.testing._mappings import check_default_mapping
from plugins.testing._replica import Replica
from plugins.testing._scenario import Mutator, check_replication, run_scenario
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
from plugins.testing._stripe_scenarios import (
    STRIPE_SCENARIOS,
    StripeDeletedCursor,
    StripeDeletes,
    StripeEqualTimestamps,
    StripeEventExpiry,
    StripeEverything,
    StripeInserts,
    StripeMutator,
    StripeOldVersions,
    StripeRateLimited,
    StripeUpdates,
)
from plugins.testing._verdict import ReplicationReport, VendorState

__all__ = [
    "HUBSPOT_SCENARIOS",
    "SECRET_NAME",
    "STRIPE_SCENARIOS",
    "AdapterContractTests",
    "AdapterFactory",
    "ContractViolation",
    "HubSpotDeletes",
    "HubSpotEqualTimestamps",
    "HubSpotEverything",
    "HubSpotFlaky",
    "HubSpotInserts",
    "HubSpotLateIndex",
    "HubSpotMutator",
    "HubSpotUpdates",
    "Mutator",
    "RecordId",
    "Replica",
    "ReplicationReport",
    "StripeDeletedCursor",
    "StripeDeletes",
    "StripeEqualTimestamps",
    "StripeEventExpiry",
    "StripeEverything",
    "StripeInserts",
    "StripeMutator",
    "StripeOldVersions",
    "StripeRateLimited",
    "StripeUpdates",
    "VendorState",
    "assert_no_secret_in",
    "check_check_ok",
    "check_check_refused",
    "check_declaration",
    "check_default_mapping",
    "check_models",
    "check_no_secret_leaks",
    "check_paging",
    "check_replication",
    "check_resume",
    "check_unknown_stream",
    "default_record_id",
    "read_pages",
    "run_scenario",
    "unprotected_secret_fields",
]
