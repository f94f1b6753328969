"""`canonry init`: a private database, a key only where it strands nothing, a .gitignore."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from tests.registry.cli import canonry
from tests.registry.conftest import API_KEY

GITIGNORE_LINES = ["canonry.keys", "canonry.db*"]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_init_creates_a_private_database(bare_cli_env: dict[str, str], tmp_path: Path) -> None:
    code, out, err = canonry("init")
    assert code == 0, err
    assert "(created, mode 0600)" in out
    database = tmp_path / "canonry.db"
    assert mode(database) == 0o600
    code, _, _ = canonry("connections", "list")  # opens it again: WAL files appear
    assert code == 0
    for name in ("canonry.db-wal", "canonry.db-shm"):
        if (tmp_path / name).exists():
            assert mode(tmp_path / name) == 0o600, name
    assert mode(tmp_path / "canonry.keys") == 0o600


def test_init_writes_a_gitignore_beside_key_and_database(
    bare_cli_env: dict[str, str], tmp_path: Path
) -> None:
    assert canonry("init")[0] == 0
    lines = (tmp_path / ".gitignore").read_text().splitlines()
    assert lines[1:] == GITIGNORE_LINES
    assert lines[0].startswith("# Canonry")


def test_init_extends_a_gitignore_without_duplicates_or_clobbering(
    bare_cli_env: dict[str, str], tmp_path: Path
) -> None:
    gitignore = tmp_path / ".gitignore"
    gitignore.write_text("node_modules/\n/canonry.keys\n*.log")  # no final newline
    code, out, _ = canonry("init")
    assert code == 0
    assert "added canonry.db*" in out
    assert gitignore.read_text().splitlines() == [
        "node_modules/",
        "/canonry.keys",
        "*.log",
        gitignore.read_text().splitlines()[3],  # the comment line
        "canonry.db*",
    ]
    before = gitignore.read_text()
    code, out, _ = canonry("init")
    assert code == 0
    assert ".gitignore" not in out
    assert gitignore.read_text() == before  # nothing added twice


def test_no_gitignore_leaves_the_folder_alone(bare_cli_env: dict[str, str], tmp_path: Path) -> None:
    assert canonry("init", "--no-gitignore")[0] == 0
    assert not (tmp_path / ".gitignore").exists()


def test_init_refuses_a_new_key_while_encrypted_secrets_exist(
    bare_cli_env: dict[str, str], tmp_path: Path
) -> None:
    assert canonry("init")[0] == 0
    added = canonry(
        "connections", "add", "billing", "--adapter", "fake", "--config",
        '{"base_url": "http://127.0.0.1:9"}', "--credentials-stdin",
        input=json.dumps({"api_key": API_KEY}),
    )  # fmt: skip
    assert added[0] == 0, added
    key_file = tmp_path / "canonry.keys"
    backup = key_file.read_bytes()
    key_file.unlink()  # lost: e.g. a fresh clone where the key was (rightly) not committed

    code, out, err = canonry("init")
    assert code == 2
    assert err.startswith(f"error: no key file at {key_file}, and 1 stored secret(s)")
    assert "restore the key file from your backup" in err
    assert "`canonry init --new-key`" in err
    assert not key_file.exists()
    code, _, err = canonry("connections", "test", "billing")  # the hint says the same
    assert code == 2
    assert "restore it from your backup" in err
    assert "--new-key" in err

    key_file.write_bytes(backup)
    os.chmod(key_file, 0o600)
    assert canonry("init")[0] == 0  # restored: kept, secrets readable again
    key_file.unlink()
    code, out, _ = canonry("init", "--new-key")
    assert code == 0
    assert "created (mode 0600); 1 secret(s) stored under the old key stay unreadable" in out


@pytest.mark.parametrize(
    ("variables", "says"),
    [
        ({"CANONRY_VAULT": "hashicorp", "VAULT_ADDR": "http://127.0.0.1:8200"}, "HashiCorp Vault"),
        ({"CANONRY_VAULT_TRANSIT": "1"}, "Vault Transit"),
        ({"CANONRY_MASTER_KEYS": "k1:" + "A" * 43}, "CANONRY_MASTER_KEYS"),
    ],
)
def test_init_makes_no_key_file_where_none_is_needed(
    bare_cli_env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    variables: dict[str, str],
    says: str,
) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    code, out, err = canonry("init")
    assert code == 0, err
    assert says in out
    assert "no local key file needed" in out or "no key file needed" in out
    assert not (tmp_path / "canonry.keys").exists()
    assert (tmp_path / ".gitignore").read_text().splitlines()[1:] == ["canonry.db*"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders anyway")
def test_init_in_a_read_only_folder_says_so(bare_cli_env: dict[str, str], tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o500)
    code, _, err = canonry("--database-url", f"sqlite:///{folder / 'canonry.db'}", "init")
    assert code == 2
    assert f"the folder {folder} is not writable" in err


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs Linux's /proc")
def test_init_where_no_file_can_be_created_says_so(bare_cli_env: dict[str, str]) -> None:
    """/proc refuses new files even to root (the read-only-folder case of every user)."""
    code, out, err = canonry("--database-url", "sqlite:////proc/canonry.db", "init")
    assert (code, out) == (2, "")
    assert err.startswith("error: cannot create the database /proc/canonry.db: the folder /proc")
    assert "run it in a folder you can write to" in err
    assert len(err.strip().splitlines()) == 1
