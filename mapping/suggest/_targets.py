"""The canonical fields a suggestion may fill: their kind and the names vendors use for them.

Synonyms are written as vendor-style names and tokenised like vendor fields, so
``"given_name"``, ``"firstname"`` and ``"FirstName"`` all become ``("first", "name")``-like
token phrases.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from mapping.suggest._tokens import phrase

__all__ = ["ADDRESS_PARTS", "TargetField", "line_targets", "target_fields"]


@dataclass(frozen=True)
class TargetField:
    """A canonical field (dotted for address parts) and how to recognise its vendor field."""

    name: str
    kind: str
    """id, text, email, phone, datetime, money, currency, enum, bool, country, decimal."""
    synonyms: tuple[tuple[str, ...], ...]
    description: str = ""
    context: tuple[str, ...] = ()
    """Tokens expected in the parent keys (address parts: billing/shipping)."""

    @property
    def type_name(self) -> str:
        return _TYPE_NAMES[self.kind]


_TYPE_NAMES = {
    "id": "string (vendor id)",
    "text": "string",
    "email": "email address",
    "phone": "phone number",
    "datetime": "date-time (UTC)",
    "money": "Money (exact amount + ISO-4217 currency)",
    "currency": "ISO-4217 currency code",
    "enum": "enum",
    "bool": "boolean",
    "country": "ISO 3166-1 alpha-2 country code",
    "decimal": "exact decimal number",
}


def _t(
    name: str, kind: str, synonyms: str, description: str = "", **kw: tuple[str, ...]
) -> TargetField:
    phrases = tuple(phrase(s) for s in synonyms.split())
    return TargetField(name, kind, phrases, description, **kw)


ADDRESS_PARTS = {
    "line1": ("text", "line1 address1 address_line1 street street1 street_address address line"),
    "line2": ("text", "line2 address2 address_line2 street2"),
    "city": ("text", "city town locality"),
    "region": (
        "text",
        "state region province county state_code province_code "
        "country_sub_division_code subdivision administrative_district_level_1",
    ),
    "postal_code": ("text", "postal_code zip zipcode postcode postalcode zip_code post_code"),
    "country": ("country", "country country_code countrycode"),
}
_BILLING = ("billing", "bill", "billto", "mailing", "address", "default", "primary", "main")
_SHIPPING = ("shipping", "ship", "shipto", "delivery")

_COMMON = [
    _t(
        "created_at",
        "datetime",
        "created created_at createdate create_date created_time "
        "date_created creation_date created_on create_time signup_date add_time date_added",
        "when the vendor created it",
    ),
    _t(
        "updated_at",
        "datetime",
        "updated updated_at updated_time last_modified lastmodifieddate "
        "modified modified_at last_updated updated_date_utc last_modified_time "
        "last_modified_date last_updated_time system_modstamp update_time modified_time "
        "modified_on date_modified date_updated",
        "when the vendor last changed it",
    ),
    _t(
        "remote_was_deleted",
        "bool",
        "deleted is_deleted archived is_archived state status",
        "whether the vendor deleted it",
    ),
]

_CUSTOMER = [
    _t(
        "name",
        "text",
        "name display_name full_name contact_name customer_name company_name "
        "account_name fully_qualified_name",
        "display name",
    ),
    _t("given_name", "text", "given_name first_name firstname fname forename"),
    _t("family_name", "text", "family_name last_name lastname surname lname"),
    _t(
        "company_name",
        "text",
        "company company_name organization org account_name business_name employer",
        "a person's organisation",
    ),
    _t("email", "email", "email email_address mail primary_email_addr e_mail"),
    _t(
        "phone",
        "phone",
        "phone phone_number mobile tel telephone primary_phone mobile_phone work_phone",
    ),
    _t(
        "currency",
        "currency",
        "currency currency_code currency_ref default_currency preferred_currency",
        "default billing currency",
    ),
    _t("description", "text", "description notes note memo comment about"),
    _t("kind", "enum", "kind type customer_type contact_type", "person or organization"),
]

_INVOICE = [
    _t(
        "number",
        "text",
        "invoice_number doc_number invoice_no document_number order_number "
        "invoice_num number reference",
        "the invoice number people see",
    ),
    _t(
        "customer_remote_id",
        "id",
        "customer customer_id customer_ref contact_id contact account_id",
        "the vendor id of the customer",
    ),
    _t(
        "status",
        "enum",
        "status state invoice_status financial_status",
        "draft/open/paid/void/uncollectible",
    ),
    _t("currency", "currency", "currency currency_code currency_ref"),
    _t(
        "subtotal",
        "money",
        "subtotal sub_total subtotal_price sub_total_amount line_total total_before_tax "
        "amount_without_tax",
        "before tax and discounts",
    ),
    _t(
        "discount",
        "money",
        "discount discount_amount total_discount total_discounts discount_total",
    ),
    _t(
        "tax",
        "money",
        "tax total_tax tax_amount tax_total taxes sales_tax total_tax_amount "
        "txn_tax_detail_total_tax",
    ),
    _t("total", "money", "total grand_total total_amount total_price amount total_amt"),
    _t(
        "amount_due",
        "money",
        "amount_due balance balance_due due_amount amount_outstanding "
        "outstanding total_outstanding",
    ),
    _t(
        "amount_paid",
        "money",
        "amount_paid paid_amount total_paid payment_made paid payment_amount",
    ),
    _t("amount_remaining", "money", "amount_remaining remaining balance_remaining"),
    _t(
        "issued_at",
        "datetime",
        "issued issued_at invoice_date date txn_date date_string "
        "issue_date document_date date_issued effective_at processed_at billed_at",
    ),
    _t("due_at", "datetime", "due due_date due_at due_date_string payment_due_date due_on"),
    _t(
        "paid_at",
        "datetime",
        "paid_at paid_on fully_paid_on_date fully_paid_at last_payment_date payment_date date_paid",
    ),
    _t("period_start", "datetime", "period_start service_period_start from_date start_date"),
    _t("period_end", "datetime", "period_end service_period_end to_date end_date"),
    _t("memo", "text", "memo description note notes customer_memo comment private_note"),
]


def _addresses() -> list[TargetField]:
    out: list[TargetField] = []
    for prefix, context in (("billing_address", _BILLING), ("shipping_address", _SHIPPING)):
        for part, (kind, synonyms) in ADDRESS_PARTS.items():
            out.append(_t(f"{prefix}.{part}", kind, synonyms, context=context))
    return out


@lru_cache(maxsize=4)
def target_fields(model: str) -> tuple[TargetField, ...]:
    """The fields of ``model`` (``Customer``/``Invoice``) a suggestion may fill."""
    if model == "Customer":
        ids = "id object_id record_id uuid customer_id contact_id account_id"
        return (_t("remote_id", "id", ids, "the vendor's id"), *_COMMON, *_CUSTOMER, *_addresses())
    if model == "Invoice":
        ids = "id object_id record_id uuid invoice_id order_id"
        return (_t("remote_id", "id", ids, "the vendor's id"), *_COMMON, *_INVOICE)
    return ()


_LINE = (
    _t("remote_id", "id", "id line_id line_item_id item_line_id uuid", "the line's own vendor id"),
    _t(
        "description",
        "text",
        "description desc name title item_name product_name charge_name line_description",
        "what the line bills",
    ),
    _t("quantity", "decimal", "quantity qty units count"),
    _t(
        "unit_amount",
        "money",
        "unit_amount unit_price price rate unit_cost price_per_unit",
        "price of one unit",
    ),
    _t(
        "amount",
        "money",
        "amount line_amount subtotal line_total item_total charge_amount total amount_total",
        "the line total before invoice-level tax",
    ),
    _t("discount", "money", "discount discount_amount total_discount discount_total"),
    _t("tax", "money", "tax tax_amount total_tax line_tax"),
    _t(
        "product_remote_id",
        "id",
        "product_id item_id product item price_id variant_id item_ref product_ref",
        "the vendor id of the product or item billed",
    ),
    _t("period_start", "datetime", "period_start start_date service_start date_from start"),
    _t("period_end", "datetime", "period_end end_date service_end date_to end"),
)


def line_targets() -> tuple[TargetField, ...]:
    """The InvoiceLine fields a suggestion may fill (inside the ``lines`` section)."""
    return _LINE
