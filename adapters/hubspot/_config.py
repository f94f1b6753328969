"""Settings and credentials of a HubSpot connection."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from adapters._hosts import VendorHosts

__all__ = ["HUBSPOT_BASE_URL", "HUBSPOT_HOSTS", "SEARCH_CAP", "HubSpotConfig", "HubSpotCredentials"]

HUBSPOT_BASE_URL = "https://api.hubapi.com"
HUBSPOT_HOSTS = VendorHosts("api.hubapi.com")
"""Where the token may go without an operator's ``CANONRY_VENDOR_BASE_URLS`` (the one
server of HubSpot's public API specs)."""

SEARCH_CAP = 10_000
"""HubSpot's CRM search answers at most this many results per query (paging past it is a 400)."""


class HubSpotConfig(BaseModel):
    """Non-secret settings of one HubSpot connection."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    base_url: Annotated[str, HUBSPOT_HOSTS] = Field(
        default=HUBSPOT_BASE_URL,
        description="API host; another than api.hubapi.com only if the operator allows it "
        "in CANONRY_VENDOR_BASE_URLS (a loopback fake in tests)",
    )
    page_size: int = Field(default=100, ge=1, le=200, description="records per search page")
    properties: dict[str, list[str]] = Field(
        default_factory=dict,
        description="per stream, the HubSpot properties to request; empty: the ones the "
        "active mapping reads (set by use_mapping), else the default mapping's",
    )
    requests_per_10s: int = Field(
        default=100, ge=1, le=100_000, description="burst budget per 10 s (100, or 190 on Pro+)"
    )
    search_requests_per_second: float = Field(
        default=5.0, gt=0, le=10_000, description="CRM search limit per account"
    )
    search_cap: int = Field(
        default=SEARCH_CAP, ge=2, le=SEARCH_CAP, description="results per search query"
    )
    max_attempts: int = Field(
        default=5, ge=1, le=20, description="tries per call on 429, 5xx and network errors"
    )
    timeout: float = Field(default=30.0, gt=0, le=300, description="seconds per request")
    accept_legacy_signatures: bool = Field(
        default=False,
        description="also accept webhooks signed only with HubSpot's v1/v2 signatures (legacy "
        "apps); they carry no timestamp, so a captured delivery can be replayed",
    )
    search_lookback_seconds: int = Field(
        default=300,
        ge=0,
        le=86_400,
        description="each incremental run re-reads this far before the newest change seen, "
        "for writes HubSpot's search index made searchable late (duplicates are dropped)",
    )
    archived_lookback_seconds: int = Field(
        default=300, ge=0, le=86_400, description="overlap when re-reading archived records"
    )


class HubSpotCredentials(BaseModel):
    """A private-app or OAuth access token (the vault refreshes OAuth tokens)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    access_token: SecretStr = Field(description="private-app token (pat-...) or OAuth token")
    client_secret: SecretStr | None = Field(
        default=None, description="app secret, for webhook signatures (v3)"
    )
