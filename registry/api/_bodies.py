"""Response bodies built from the stored JSON text, without parsing it again.

The store keeps each record's canonical JSON; a page's body splices those texts into the
list envelope (and the raw vendor object, or the expanded customer, into each record), so
serving a page costs no model validation or re-serialisation.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Row

from registry._records import with_remote_data
from registry._store_query import PageRow

__all__ = ["list_body", "record_text"]


def record_text(
    row: PageRow | Row[Any], *, remote_data: bool, customers: Mapping[str, str] | None
) -> str:
    """One record's JSON: the stored text, plus ``remote_data`` and the ``customer``
    (its record, or null) when ``customers`` is given (``expand=customer``)."""
    text: str = with_remote_data(row.data, row.remote_data) if remote_data else row.data
    if customers is not None:
        embedded = customers.get(row.customer_id or "", "null")
        text = text[:-1] + ',"customer":' + embedded + "}"
    return text


def list_body(texts: Sequence[str], next_cursor: str, has_more: bool) -> bytes:
    tail = f'],"next_cursor":{json.dumps(next_cursor)},"has_more":{json.dumps(has_more)}}}'
    return ('{"object":"list","results":[' + ",".join(texts) + tail).encode()
