"""The plain-address fast path of ``Email`` agrees with email-validator (differential)."""

from __future__ import annotations

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from canonical._values import _email, _plain_email

_LOCAL_CHARS = "abcXYZ019.!#$%&'*+/=?^_`{|}~-"
_LABEL_CHARS = "abzAZ09-"
locals_ = st.text(alphabet=_LOCAL_CHARS, min_size=0, max_size=70)
labels = st.one_of(
    st.text(alphabet=_LABEL_CHARS, min_size=0, max_size=66),
    st.sampled_from(["ab--cd", "xn--abc", "xn--bcher-kva", "a--b", "-a", "a-", "x" * 64]),
)
tlds = st.one_of(
    st.text(alphabet="abcxyzAZ", min_size=1, max_size=5),
    st.sampled_from(["com", "local", "localhost", "onion", "arpa", "invalid", "test", "c0m"]),
)
addresses = st.builds(
    lambda local, labels_, tld: f"{local}@{'.'.join([*labels_, tld])}",
    locals_,
    st.lists(labels, min_size=0, max_size=3),
    tlds,
)
noise = st.text(max_size=40)


def _library(value: str) -> str | None:
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


@pytest.mark.slow
@settings(max_examples=3000, deadline=None)
@given(value=st.one_of(addresses, noise))
def test_fast_path_accepts_only_what_the_library_accepts_and_normalises_alike(value: str) -> None:
    fast = _plain_email(value)
    if fast is not None:
        assert fast == _library(value)


@pytest.mark.parametrize(
    "value",
    ["Ada.Lovelace+billing@Example.COM", "a@b.co", "o'hara@sub.example.org", "x_y@a-b.io"],
)
def test_common_addresses_take_the_fast_path(value: str) -> None:
    assert _plain_email(value) == _library(value)
    assert _email(f"  {value} ") == _library(value)


@pytest.mark.parametrize(
    "value",
    ["a..b@example.com", ".a@example.com", "a@localhost", "a@x.local", "a@ex--ample.com",
     "üser@example.com", "user@bücher.ch", "a@example.123"],
)  # fmt: skip
def test_unusual_addresses_go_to_the_full_check(value: str) -> None:
    assert _plain_email(value) is None


def test_the_full_check_still_normalises_international_addresses() -> None:
    assert _email("user@Bücher.CH") == _library("user@Bücher.CH")
    with pytest.raises(ValueError, match="not a valid email address"):
        _email("a@x.local")
