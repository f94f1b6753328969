"""LocalKeyring and its key file: 0600 atomic creation, refusal of loose files, add/retire."""

from __future__ import annotations

import json
import os
import re
import stat
import threading
from pathlib import Path

import pytest

from canonical import ConfigurationError, CredentialError, DecryptionError, KeyNotFoundError
from vault import LocalKeyring, default_key_file, init_local_keyring

AAD = b"owner-and-format"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_init_creates_a_0600_file_even_with_a_permissive_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        path, created = init_local_keyring(tmp_path / "keys" / "canonry.keys")
    finally:
        os.umask(old)
    assert created
    assert _mode(path) == 0o600
    doc = json.loads(path.read_text())
    assert doc["format"] == "canonry-keyring"
    assert [k["id"] for k in doc["keys"]] == [doc["primary"]]
    assert sorted(p.name for p in path.parent.iterdir()) == ["canonry.keys"]  # no temp left


def test_init_is_idempotent_and_keeps_the_existing_keys(key_file: Path) -> None:
    before = key_file.read_bytes()
    path, created = init_local_keyring(key_file)
    assert (path, created) == (key_file, False)
    assert key_file.read_bytes() == before


def test_init_refuses_an_existing_world_readable_file(key_file: Path) -> None:
    key_file.chmod(0o644)
    with pytest.raises(ConfigurationError, match=re.escape(f"chmod 600 {key_file}")):
        init_local_keyring(key_file)


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_loading_a_file_with_group_or_other_bits_is_refused(key_file: Path, mode: int) -> None:
    key_file.chmod(mode)
    with pytest.raises(ConfigurationError) as info:
        LocalKeyring.load(key_file)
    assert f"chmod 600 {key_file}" in str(info.value)
    assert f"{mode:04o}" in str(info.value)


def test_wrap_unwrap_round_trip_and_aad_binding(key_file: Path) -> None:
    keyring = LocalKeyring.load(key_file)
    wrapped = keyring.wrap(b"k" * 32, AAD)
    assert wrapped.key_id == keyring.primary_key_id()
    assert len(wrapped.blob) == 60
    assert keyring.unwrap(wrapped, AAD) == b"k" * 32
    with pytest.raises(DecryptionError):
        keyring.unwrap(wrapped, AAD + b"!")


def test_add_key_persists_a_new_primary_and_keeps_the_old(key_file: Path) -> None:
    keyring = LocalKeyring.load(key_file)
    old = keyring.primary_key_id()
    wrapped = keyring.wrap(b"d" * 32, AAD)
    new = keyring.add_key()
    assert new != old
    assert _mode(key_file) == 0o600
    reloaded = LocalKeyring.load(key_file)
    assert reloaded.primary_key_id() == new
    assert reloaded.key_ids() == [old, new]
    assert reloaded.unwrap(wrapped, AAD) == b"d" * 32


def test_a_keyring_sees_keys_added_by_another_process(key_file: Path) -> None:
    server = LocalKeyring.load(key_file)
    operator = LocalKeyring.load(key_file)
    new = operator.add_key()
    rewrapped = operator.wrap(b"x" * 32, AAD)
    assert server.unwrap(rewrapped, AAD) == b"x" * 32  # unknown id: re-reads the file
    assert server.wrap(b"y" * 32, AAD).key_id == new  # writes follow the new primary


def test_retire_removes_the_key_and_records_it(key_file: Path) -> None:
    keyring = LocalKeyring.load(key_file)
    old = keyring.primary_key_id()
    wrapped = keyring.wrap(b"d" * 32, AAD)
    keyring.add_key()
    keyring.retire(old)
    reloaded = LocalKeyring.load(key_file)
    assert old not in reloaded.key_ids()
    assert reloaded.retired_key_ids == (old,)
    with pytest.raises(KeyNotFoundError) as info:
        reloaded.unwrap(wrapped, AAD)
    assert info.value.key_id == old


def test_retire_refuses_the_primary_and_unknown_ids(key_file: Path) -> None:
    keyring = LocalKeyring.load(key_file)
    with pytest.raises(CredentialError, match="primary"):
        keyring.retire(keyring.primary_key_id())
    with pytest.raises(KeyNotFoundError, match="'nope'"):
        keyring.retire("nope")
    assert len(LocalKeyring.load(key_file).key_ids()) == 1


def test_from_env_uses_canonry_key_file(key_file: Path) -> None:
    keyring = LocalKeyring.from_env({"CANONRY_KEY_FILE": str(key_file)})
    assert keyring.path == key_file
    assert keyring.source == f"file {key_file}"


def test_default_key_file_is_beside_the_default_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert default_key_file({}) == tmp_path / "canonry.keys"
    path, created = init_local_keyring()
    assert (path, created) == (tmp_path / "canonry.keys", True)
    assert LocalKeyring.from_env({}).path == path


def test_missing_key_file_says_how_to_create_one(tmp_path: Path) -> None:
    missing = tmp_path / "none.keys"
    with pytest.raises(ConfigurationError, match="canonry init"):
        LocalKeyring.from_env({"CANONRY_KEY_FILE": str(missing)})
    created = LocalKeyring.from_env({"CANONRY_KEY_FILE": str(missing)}, create=True)
    assert created.path == missing
    assert _mode(missing) == 0o600


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        '{"format": "other"}',
        '{"format": "canonry-keyring", "keys": []}',
        '{"format": "canonry-keyring", "primary": "b", "keys": [{"id": "a", "key": "AAAA"}]}',
    ],
    ids=["json", "format", "empty", "short-key"],
)
def test_broken_key_files_are_refused_clearly(tmp_path: Path, content: str) -> None:
    path = tmp_path / "canonry.keys"
    path.write_text(content)
    path.chmod(0o600)
    with pytest.raises(ConfigurationError, match=re.escape(str(path))):
        LocalKeyring.load(path)


def test_primary_not_among_the_keys_is_refused(key_file: Path) -> None:
    doc = json.loads(key_file.read_text())
    doc["primary"] = "ghost"
    key_file.write_text(json.dumps(doc))
    with pytest.raises(ConfigurationError, match="'ghost'"):
        LocalKeyring.load(key_file)


def test_repr_shows_ids_not_key_material(key_file: Path) -> None:
    keyring = LocalKeyring.load(key_file)
    material = json.loads(key_file.read_text())["keys"][0]["key"]
    assert keyring.primary_key_id() in repr(keyring)
    assert material not in repr(keyring)
    assert material not in repr(keyring._keyset)


def test_concurrent_add_key_loses_no_key(key_file: Path) -> None:
    keyrings = [LocalKeyring.load(key_file) for _ in range(3)]
    added: list[str] = []

    def add(keyring: LocalKeyring) -> None:
        added.extend(keyring.add_key() for _ in range(4))

    threads = [threading.Thread(target=add, args=(k,)) for k in keyrings]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    on_disk = LocalKeyring.load(key_file).key_ids()
    assert len(on_disk) == 13
    assert set(added) <= set(on_disk)
    assert _mode(key_file) == 0o600
    assert sorted(p.name for p in key_file.parent.iterdir() if "tmp" in p.name) == []
