"""CANONRY_MASTER_KEYS: the format, its errors (which never echo key material), read-only."""

from __future__ import annotations

import base64
import os

import pytest

from canonical import ConfigurationError
from vault import LocalKeyring, parse_master_keys


def _key(fill: int = 7, size: int = 32, pad: bool = False) -> str:
    text = base64.urlsafe_b64encode(bytes([fill]) * size).decode()
    return text if pad else text.rstrip("=")


def test_first_key_is_primary() -> None:
    keyset = parse_master_keys(f"k2:{_key(2)}, k1:{_key(1)}")
    assert keyset.primary == "k2"
    assert [k.key_id for k in keyset.keys] == ["k2", "k1"]
    assert keyset.keys[1].secret == b"\x01" * 32


def test_explicit_primary_and_padding_are_accepted() -> None:
    keyset = parse_master_keys(f"old:{_key(1, pad=True)},new:{_key(2)},primary=new")
    assert keyset.primary == "new"


def test_from_env_prefers_master_keys_over_the_key_file() -> None:
    keyring = LocalKeyring.from_env(
        {"CANONRY_MASTER_KEYS": f"env1:{_key()}", "CANONRY_KEY_FILE": "/nonexistent"}
    )
    assert keyring.source == "CANONRY_MASTER_KEYS"
    assert keyring.key_ids() == ["env1"]
    wrapped = keyring.wrap(b"d" * 32, b"aad")
    assert keyring.unwrap(wrapped, b"aad") == b"d" * 32


def test_env_keyring_is_read_only() -> None:
    keyring = LocalKeyring.from_env({"CANONRY_MASTER_KEYS": f"a:{_key(1)},b:{_key(2)}"})
    with pytest.raises(ConfigurationError, match="CANONRY_MASTER_KEYS"):
        keyring.add_key()
    with pytest.raises(ConfigurationError, match="read-only"):
        keyring.retire("b")


SECRET_LOOKING = base64.urlsafe_b64encode(os.urandom(24)).decode()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (SECRET_LOOKING, "entry 1 is not KEY_ID:BASE64URL_KEY"),
        (f"k1:{_key()},{SECRET_LOOKING}", "entry 2 is not KEY_ID:BASE64URL_KEY"),
        (f"k1:{SECRET_LOOKING}", "must be 32 bytes, got 24"),
        (f"k1:{_key(size=16)}", "must be 32 bytes, got 16"),
        ("k1:%%%not-base64%%%", "not valid base64url"),
        (f"bad id!:{_key()}", "invalid key id"),
        (f"k1:{_key()},k1:{_key(2)}", "'k1' twice"),
        (f"k1:{_key()},primary=k9", "primary='k9' is not one of its keys"),
        (f"k1:{_key()},primary=k1,primary=k1", "more than once"),
        (" , ", "holds no keys"),
        ("primary=k1", "holds no keys"),
    ],
    ids=lambda v: (
        None if v.endswith(("KEY", "bytes, got 24", "bytes, got 16")) or " " in v else "value"
    ),  # the values hold random key material: the ids must not
)
def test_parse_errors_are_clear_and_never_echo_key_material(value: str, expected: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        parse_master_keys(value)
    text = str(info.value)
    assert expected in text
    assert SECRET_LOOKING not in text
    assert SECRET_LOOKING[:12] not in text
    assert _key() not in text
