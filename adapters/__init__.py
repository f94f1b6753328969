"""The adapter contract and the shared HTTP toolkit; vendor adapters live in subpackages."""

from adapters._contract import (
    ADAPTER_API_VERSION,
    Adapter,
    Capability,
    CheckResult,
    Cursor,
    Page,
    StreamSpec,
)

__all__ = [
    "ADAPTER_API_VERSION",
    "Adapter",
    "Capability",
    "CheckResult",
    "Cursor",
    "Page",
    "StreamSpec",
]
