"""Canonry adapter for the Acme Billing API (an example plugin: copy it to start yours).

Registered through the ``canonry.adapters`` entry point in this package's pyproject.toml.
"""

from canonry_acme._adapter import AcmeAdapter
from canonry_acme._models import AcmeConfig, AcmeCredentials

__all__ = ["AcmeAdapter", "AcmeConfig", "AcmeCredentials"]
