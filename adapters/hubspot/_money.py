"""The ``hubspot_amount`` mapping transform: HubSpot's major-unit decimal text -> money.

HubSpot stores amounts as decimal strings in major units (``"20.00"``, ``"3000"`` for
JPY), unlike Stripe's integer minor units, so ``minor_units`` does not apply. The
currency comes from a path on the record (a line item's own currency), else a path on the
root record (the invoice's ``hs_currency``). A cleared amount (HubSpot answers ``""``)
maps to None. Registered when ``adapters.hubspot`` loads.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, ConfigDict

from mapping import Apply, Context, check_args, parse_path, register_transform, transform_names

__all__ = ["TRANSFORM", "hubspot_amount"]

TRANSFORM = "hubspot_amount"
_INVOICE_CURRENCY = "properties.hs_currency"


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    currency: str = _INVOICE_CURRENCY
    root_currency: str = _INVOICE_CURRENCY


def hubspot_amount(args: dict[str, Any]) -> Apply:
    """Major-unit decimal text -> money data in the record's (or root record's) currency."""
    options = check_args(_Args, args)
    own, root = parse_path(options.currency).getter(), parse_path(options.root_currency).getter()

    def apply(value: Any, ctx: Context) -> dict[str, Any] | None:
        if isinstance(value, str) and not value.strip():
            return None  # HubSpot's cleared amount
        try:
            amount = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(f"not a decimal amount: {value!r}") from None
        if not amount.is_finite():
            raise ValueError(f"not a finite amount: {value!r}")
        code = own(ctx.record) or root(ctx.root)
        if not isinstance(code, str) or not code.strip():
            raise ValueError("no currency: the record has no currency property")
        return {"amount": amount, "currency": code.strip().upper()}

    return apply


if TRANSFORM not in transform_names():
    register_transform(
        TRANSFORM, path_args={"currency": _INVOICE_CURRENCY, "root_currency": _INVOICE_CURRENCY}
    )(hubspot_amount)
