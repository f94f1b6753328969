"""`canonry vault status | rotate | retire` through the real root app and a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from registry.cli import app
from tests.registry.conftest import migrate
from vault import (
    LocalCredentialStore,
    LocalKeyring,
    RotationProgress,
    init_local_keyring,
    make_engine,
    rotate,
)

SECRET = "sk_live_cli-CANARY-3141592653"


@pytest.fixture
def bare_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The environment, with no database yet."""
    monkeypatch.chdir(tmp_path)
    for name in ("CANONRY_VAULT", "CANONRY_VAULT_TRANSIT", "CANONRY_MASTER_KEYS"):
        monkeypatch.delenv(name, raising=False)
    values = {
        "CANONRY_DATABASE_URL": f"sqlite:///{tmp_path / 'canonry.db'}",
        "CANONRY_KEY_FILE": str(tmp_path / "canonry.keys"),
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


@pytest.fixture
def env(bare_env: dict[str, str]) -> dict[str, str]:
    """The environment and a migrated database (what `canonry init` does first)."""
    migrate(bare_env["CANONRY_DATABASE_URL"])
    return bare_env


def _store(env: dict[str, str]) -> LocalCredentialStore:
    path, _ = init_local_keyring(Path(env["CANONRY_KEY_FILE"]))
    return LocalCredentialStore(make_engine(env["CANONRY_DATABASE_URL"]), LocalKeyring.load(path))


def _seed(env: dict[str, str], count: int) -> LocalCredentialStore:
    store = _store(env)
    for i in range(count):
        store.put("acme", f"conn-{i}", {"api_key": f"{SECRET}-{i}"})
    return store


def _invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["vault", *args])
    return result.exit_code, result.stdout, result.stderr


def test_status_lists_keys_primary_and_counts(env: dict[str, str]) -> None:
    store = _seed(env, 3)
    code, out, _ = _invoke("status")
    assert code == 0
    primary = store.wrapper.primary_key_id()
    line = next(line for line in out.splitlines() if primary in line)
    assert "yes" in line
    assert " 3 " in line
    assert SECRET not in out


def test_status_without_a_key_file_says_run_init(env: dict[str, str]) -> None:
    code, out, err = _invoke("status")
    assert code == 2
    assert out == ""
    assert err.startswith("error: no key file at")
    assert "canonry init" in err
    assert len(err.strip().splitlines()) == 1


def test_status_flags_keys_the_keyring_lacks(env: dict[str, str]) -> None:
    _seed(env, 2)
    Path(env["CANONRY_KEY_FILE"]).unlink()
    init_local_keyring(Path(env["CANONRY_KEY_FILE"]))  # a brand-new, unrelated keyring
    code, out, _ = _invoke("status")
    assert code == 0
    assert "MISSING" in out
    assert "canonry vault rotate" in out


def test_rotate_rewraps_in_batches_and_summarises(env: dict[str, str]) -> None:
    store = _seed(env, 5)
    old = store.wrapper.primary_key_id()
    code, out, _ = _invoke("rotate", "--batch-size", "2")
    assert code == 0, out
    assert "Rewrapped 5 secret(s) in 3 batch(es) (new primary" in out
    assert f"retire KEY_ID`: {old}" in out
    doc = json.loads(Path(env["CANONRY_KEY_FILE"]).read_text())
    assert doc["primary"] != old
    assert store.key_usage() == {doc["primary"]: 5}
    assert store.get("acme", "conn-4")["api_key"].get_secret_value() == f"{SECRET}-4"


def test_rotate_resumes_an_interrupted_rotation(env: dict[str, str]) -> None:
    store = _seed(env, 6)

    def crash(progress: RotationProgress) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        rotate(store, batch_size=2, progress=crash)
    primary = json.loads(Path(env["CANONRY_KEY_FILE"]).read_text())["primary"]
    code, out, _ = _invoke("rotate")
    assert code == 0
    assert f"Rewrapped 4 secret(s) in 1 batch(es) (resumed under primary {primary})" in out


def test_retire_is_refused_while_in_use_then_allowed(env: dict[str, str]) -> None:
    store = _seed(env, 2)
    old = store.wrapper.primary_key_id()
    code, _, err = _invoke("retire", old)
    assert code == 1
    assert "primary" in err
    assert "canonry vault rotate" in err
    LocalKeyring.load(Path(env["CANONRY_KEY_FILE"])).add_key()
    code, _, err = _invoke("retire", old)
    assert code == 1
    assert f"key {old!r} still protects 2 secret(s)" in err
    assert len(err.strip().splitlines()) == 1
    assert _invoke("rotate")[0] == 0
    code, out, _ = _invoke("retire", old)
    assert (code, out.strip()) == (0, f"Retired key {old}.")
    assert old not in LocalKeyring.load(Path(env["CANONRY_KEY_FILE"])).key_ids()


def test_rotate_reports_rows_it_could_not_rewrap(env: dict[str, str]) -> None:
    store = _seed(env, 3)
    with store.engine.begin() as conn:
        conn.exec_driver_sql(
            "update canonry_credentials set wrapped_key = x'00' where connection = 'conn-1'"
        )
    code, out, err = _invoke("rotate")
    assert code == 1
    assert "Rewrapped 2 secret(s)" in out
    assert "not rewrapped: acme/conn-1:" in err
    assert "canonry credentials set" in err


@pytest.mark.parametrize("args", [["rotate", "--batch-size", "0"], ["retire"], ["bogus"]])
def test_usage_errors_exit_2(env: dict[str, str], args: list[str]) -> None:
    assert _invoke(*args)[0] == 2


def test_hashicorp_backend_is_refused_clearly(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CANONRY_VAULT", "hashicorp")
    code, _, err = _invoke("status")
    assert code == 2
    assert "CANONRY_VAULT selects 'hashicorp'" in err


@pytest.mark.slow
def test_subprocess_rotate_and_status(env: dict[str, str], tmp_path: Path) -> None:
    _seed(env, 2)
    script = Path(sys.executable).with_name("canonry")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "registry.cli"]
    run_env = {**os.environ, **env}
    done = subprocess.run(
        [*command, "vault", "rotate"], env=run_env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "Rewrapped 2 secret(s)" in done.stdout
    status = subprocess.run(
        [*command, "vault", "status"], env=run_env, capture_output=True, text=True, timeout=120
    )
    assert status.returncode == 0, status.stderr
    assert "unused" in status.stdout
    assert SECRET not in done.stdout + done.stderr + status.stdout + status.stderr


def test_vault_commands_never_create_the_schema(bare_env: dict[str, str]) -> None:
    env = bare_env
    init_local_keyring(Path(env["CANONRY_KEY_FILE"]))
    database = Path(env["CANONRY_DATABASE_URL"].removeprefix("sqlite:///"))
    code, _, err = _invoke("status")
    assert code == 2
    assert err.startswith("error: no database at")
    assert "canonry init" in err
    assert not database.exists()  # not even an empty file
    database.touch()
    code, _, err = _invoke("status")
    assert code == 2
    assert "is not initialised" in err
    assert "canonry init" in err
    engine = make_engine(env["CANONRY_DATABASE_URL"])
    with engine.connect() as conn:
        tables = conn.exec_driver_sql("select name from sqlite_master").all()
    engine.dispose()
    assert tables == []  # left for the registry's migrations
