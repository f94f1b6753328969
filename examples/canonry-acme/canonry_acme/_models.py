"""What a connection to Acme Billing needs: settings (stored in clear) and credentials."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr

__all__ = ["AcmeConfig", "AcmeCredentials"]


class AcmeConfig(BaseModel):
    """Connection settings. Nothing secret belongs here: config is stored in clear."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    base_url: str = Field(
        default="https://api.acme-billing.example/v1",
        pattern=r"^https?://",
        description="Acme API root; point it at a sandbox or a test fake",
    )
    page_size: int = Field(default=100, ge=1, le=100, description="records per request")
    requests_per_second: float = Field(default=20.0, gt=0, description="client-side limit")
    timeout: float = Field(default=30.0, gt=0, description="seconds per request")


class AcmeCredentials(BaseModel):
    """The API key, as ``SecretStr``: it never shows in reprs, logs or errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    api_key: SecretStr = Field(min_length=1, description="Acme API key (Bearer token)")
