"""Which vendor fields may become a record's ``remote_id``.

The id decides which stored record a vendor object overwrites, so a wrong one loses data:
an invoice's ``site_id`` gives every invoice of a site the same id. Refused: a field whose
values repeat across the samples (constant ones included), a field nested under another
object (``customer.id``), and an ``<x>_id`` whose ``<x>`` names another record (``site``,
``account`` or ``customer`` on an invoice). With one sample uniqueness cannot be checked:
the rule says the evidence is thin.
"""

from __future__ import annotations

from mapping.suggest._fields import VendorField
from mapping.suggest._targets import TargetField

__all__ = ["id_problem"]

_WRAPPERS = frozenset({"data", "attribute", "record", "node", "object", "resource"})
_ID_WORDS = frozenset({"id", "uuid", "guid", "key"})


def _own_words(target: TargetField) -> set[str]:
    """Words the record's own id may carry (``invoice`` in ``invoice_id`` for an invoice)."""
    return {word for synonym in target.synonyms for word in synonym} - _ID_WORDS


def id_problem(
    target: TargetField, vf: VendorField, *, thin: bool = False, line: bool = False
) -> str | None:
    """Why ``vf`` must not fill ``remote_id``, or None; ``thin``: the note for one sample.

    ``line``: a line id need only be unique within its invoice, so repeats across the
    samples' lines are allowed.
    """
    values = [repr(v) for v in vf.values]
    if vf.from_schema:
        return None if thin else _named_problem(target, vf)  # example values say nothing
    if thin:
        if len(values) < 2 and not line:
            return "one sample only: cannot tell whether its values are unique"
        return None
    if not line and len(values) > 1 and len(set(values)) < len(values):
        return f"{vf.path} repeats a value across samples (records would overwrite each other)"
    return _named_problem(target, vf)


def _named_problem(target: TargetField, vf: VendorField) -> str | None:
    if vf.parents and not set(vf.parents) <= _WRAPPERS:
        return f"{vf.path} belongs to a nested object, not to the record itself"
    leaf = vf.leaf
    if len(leaf) > 1 and leaf[-1] in _ID_WORDS and not set(leaf[:-1]) <= _own_words(target):
        return f"{vf.path} names another record ({'_'.join(leaf[:-1])})"
    return None
