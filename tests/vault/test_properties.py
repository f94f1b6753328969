"""Property tests: arbitrary payloads round-trip; no ciphertext survives a change of owner."""

from __future__ import annotations

import itertools
import threading

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr
from sqlalchemy.pool import StaticPool

from canonical import ConflictError, DecryptionError
from tests.vault.conftest import raw_row, update_row
from vault import LocalCredentialStore, LocalKeyring
from vault._envelope import payload_aad

_names = st.text(min_size=1, max_size=40)
# any unicode, including NUL (surrogates excluded by text()); empty or blank values are refused
_values = st.text(max_size=300).filter(lambda v: bool(v.strip()))
_payloads = st.dictionaries(_names, _values, min_size=1, max_size=8)
_owners = st.text(min_size=1, max_size=30)


def _memory_store() -> LocalCredentialStore:
    engine = sa.create_engine("sqlite://", poolclass=StaticPool)
    return LocalCredentialStore(engine, LocalKeyring.generate())


STORE = _memory_store()
_COUNTER = itertools.count()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payload=_payloads, tenant=_owners)
def test_arbitrary_payloads_round_trip(payload: dict[str, str], tenant: str) -> None:
    connection = f"c{next(_COUNTER)}"
    ref = STORE.put(tenant, connection, payload)
    got, got_ref = STORE.get_with_ref(tenant, connection)
    assert got_ref == ref
    assert got == {k: SecretStr(v) for k, v in payload.items()}
    assert {k: v.get_secret_value() for k, v in got.items()} == payload


@settings(max_examples=60, deadline=None)
@given(
    payload=_payloads,
    owners=st.tuples(_owners, _owners, _owners, _owners).filter(lambda o: o[:2] != o[2:]),
)
def test_a_row_never_decrypts_under_another_owner(
    payload: dict[str, str], owners: tuple[str, str, str, str]
) -> None:
    store = _memory_store()
    src_t, src_c, dst_t, dst_c = owners
    store.put(src_t, src_c, payload)
    store.put(dst_t, dst_c, {"x": "y"})
    row = raw_row(store.engine, src_t, src_c)
    columns = ("wrapper", "key_id", "data_key_id", "wrapped_key", "nonce", "ciphertext")
    update_row(store.engine, dst_t, dst_c, **{c: row[c] for c in columns})
    try:
        store.get(dst_t, dst_c)
    except DecryptionError:
        return
    raise AssertionError("a ciphertext decrypted under another owner")


@given(a=st.tuples(_owners, _owners), b=st.tuples(_owners, _owners))
def test_associated_data_is_injective(a: tuple[str, str], b: tuple[str, str]) -> None:
    # ("a|b", "c") and ("a", "b|c") must never share associated data.
    assert (payload_aad(*a, "dk", 2, 1) == payload_aad(*b, "dk", 2, 1)) == (a == b)


def test_concurrent_check_and_set_writers_exactly_one_wins(
    local_store: LocalCredentialStore,
) -> None:
    local_store.put("acme", "stripe", {"token": "v1"})
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def writer(n: int) -> None:
        barrier.wait()
        try:
            local_store.put("acme", "stripe", {"token": f"w{n}"}, expected_version=1)
            outcomes.append(f"w{n}")
        except ConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [o for o in outcomes if o != "conflict"]
    assert len(winners) == 1
    assert outcomes.count("conflict") == 3
    payload, ref = local_store.get_with_ref("acme", "stripe")
    assert ref.version == 2
    assert payload["token"].get_secret_value() == winners[0]
