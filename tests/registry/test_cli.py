"""The admin CLI through Typer's runner: commands, --json, exit codes, errors, secrets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from registry import head_revision
from tests.registry.cli import canonry
from tests.registry.conftest import API_KEY


def test_init_is_idempotent_and_says_what_it_did(cli_env: dict[str, str]) -> None:
    code, out, _ = canonry("init")
    assert code == 0
    assert "migrated empty ->" not in out  # the fixture database is migrated already
    assert f"already at revision {head_revision()}" in out
    assert "created (mode 0600)" in out
    assert "webhook job queue (DBOS tables" in out
    engine = sa.create_engine(cli_env["CANONRY_DATABASE_URL"])
    assert "workflow_status" in sa.inspect(engine).get_table_names()  # replay works before serve
    engine.dispose()
    key_file = Path(cli_env["CANONRY_KEY_FILE"])
    assert key_file.stat().st_mode & 0o777 == 0o600
    code, out, _ = canonry("init")
    assert code == 0
    assert "exists, kept" in out
    code, out, _ = canonry("db", "upgrade")
    assert (code, out.strip()) == (0, f"already at revision {head_revision()}")


def test_adapters_list_and_show(cli_env: dict[str, str]) -> None:
    code, out, _ = canonry("adapters", "list", "--json")
    assert code == 0
    fake = next(p for p in json.loads(out) if p["name"] == "fake")
    assert (fake["status"], fake["version"], fake["distribution"]) == (
        "loaded", "1.2.3", "canonry-fake-adapter",
    )  # fmt: skip
    code, out, _ = canonry("adapters", "list")
    assert code == 0
    assert "fake" in out
    code, out, _ = canonry("adapters", "show", "fake", "--json")
    shown = json.loads(out)
    assert [f["name"] for f in shown["credentials"]] == ["api_key"]
    assert shown["streams"] == [{"name": "customers", "model": "Customer"}]
    code, _, err = canonry("adapters", "show", "nope")
    assert code == 2  # like every unknown adapter key: input, not stored data
    assert err.startswith("error: no adapter 'nope' is installed — installed: ")


def test_connections_list_show_test_remove(billing: str) -> None:
    code, out, _ = canonry("connections", "list", "--json")
    [listed] = json.loads(out)
    assert (code, listed["name"], listed["status"]) == (0, "billing", "active")
    assert listed["credential_ref"].startswith("local:acme/")
    code, out, _ = canonry("connections", "show", "billing", "--json")
    assert json.loads(out)["connection"]["id"] == listed["id"]
    code, out, _ = canonry("connections", "test", "billing")
    assert (code, out.strip()) == (0, "ok: authenticated as acct_fake")
    code, _, _ = canonry("connections", "remove", "billing", input="n\n")
    assert code == 1
    code, out, _ = canonry("connections", "remove", "billing", "--yes")
    assert (code, out.strip()) == (0, "removed connection billing")
    code, _, err = canonry("connections", "show", "billing")
    assert code == 3
    assert err.startswith("error: no connection 'billing' in tenant 'acme' — ")


def test_bad_input_exits_2_with_one_line(initialised: dict[str, str], tmp_path: Path) -> None:
    code, _, err = canonry("connections", "add", "x", "--adapter", "fake", "--config", "{oops")
    assert code == 2
    assert err.strip() == (
        "error: --config is not valid JSON (line 1, column 2) — pass a JSON object, "
        'e.g. --config \'{"key": "value"}\''
    )
    bad = tmp_path / "config.json"
    bad.write_text(json.dumps({"base_url": "ftp://nope"}))
    code, _, err = canonry(
        "connections", "add", "x", "--adapter", "fake", "--config-file", str(bad)
    )
    assert code == 2
    assert "invalid config for adapter 'fake': base_url" in err
    assert len(err.strip().splitlines()) == 1
    code, out, _ = canonry("connections", "list", "--json")
    assert json.loads(out) == []


def test_other_tenant_is_refused(billing: str) -> None:
    for args in (
        ("connections", "show", "billing"),
        ("connections", "test", "billing"),
        ("connections", "remove", "billing", "--yes"),
        ("sync", "billing", "customers"),
    ):
        code, _, err = canonry("--tenant", "globex", *args)
        assert code == 3, args
        assert "in tenant 'globex'" in err
    code, _, err = canonry("--tenant", "globex", "credentials", "set", "billing", "--stdin",
                           input='{"api_key": "sk_evil"}')  # fmt: skip
    assert code == 3
    code, out, _ = canonry("--tenant", "globex", "connections", "list", "--json")
    assert json.loads(out) == []
    code, out, _ = canonry("connections", "test", "billing")
    assert code == 0  # acme's credential was not replaced


def test_credentials_set_by_prompt_and_rotate_by_stdin(
    billing: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("registry.cli._credentials._interactive", lambda: True)
    code, out, _ = canonry("credentials", "set", "billing", input="sk_prompted_1\n")
    assert code == 0
    assert out.strip().endswith("@v2")
    code, out, _ = canonry("credentials", "rotate", "billing", "--stdin",
                           input=json.dumps({"api_key": API_KEY}))  # fmt: skip
    assert code == 0
    assert "rotated" in out
    code, _, err = canonry("credentials", "set", "billing", "--stdin", input='["x"]')
    assert code == 2
    assert "must be a JSON object" in err


def test_revoked_credentials_exit_4(billing: str) -> None:
    code, _, _ = canonry("credentials", "set", "billing", "--stdin", input='{"api_key": "revoked"}')
    assert code == 0
    code, _, err = canonry("sync", "billing", "customers")
    assert code == 4
    assert err.startswith("error: the fake API revoked the token — set new credentials")
    _, out, _ = canonry("connections", "list", "--json")
    assert json.loads(out)[0]["status"] == "needs_reauth"


def test_sync_to_jsonl_then_audit(billing: str, tmp_path: Path) -> None:
    out_file = tmp_path / "customers.jsonl"
    code, out, _ = canonry("sync", "billing", "customers", "--out", str(out_file))
    assert code == 0
    assert "succeeded" in out
    lines = out_file.read_text().splitlines()
    assert [json.loads(line)["remote_id"] for line in lines] == [f"cus_{i:08d}" for i in range(250)]
    code, _, _ = canonry("sync", "billing", "customers", "--out", str(out_file))
    assert code == 0
    assert len(out_file.read_text().splitlines()) == 250  # nothing new: the file is kept
    code, _, _ = canonry("sync", "billing", "customers", "--full", "--out", str(out_file))
    assert len(out_file.read_text().splitlines()) == 500  # a new run appends
    code, out, _ = canonry("audit", "--json", "--limit", "100")
    actions = [e["action"] for e in json.loads(out)]
    assert actions[:4] == ["sync.start", "sync.start", "sync.start", "connection.add"]
    assert "init" in actions
    code, out, _ = canonry("audit")
    assert code == 0
    assert "connection.add" in out


def test_init_creates_a_new_database(cli_env: dict[str, str], tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    code, out, _ = canonry("--database-url", url, "init")
    assert code == 0
    assert f"migrated empty -> {head_revision()}" in out
    code, out, _ = canonry("--database-url", url, "audit", "--json")
    assert [e["action"] for e in json.loads(out)] == ["init"]


def test_update_disable_and_enable(billing: str) -> None:
    code, out, _ = canonry("connections", "update", "billing", "--status", "disabled")
    assert (code, out.strip()) == (0, "updated connection billing (disabled)")
    code, _, err = canonry("sync", "billing", "customers")
    assert code == 2
    assert "connections update billing --status active" in err
    code, _, err = canonry("connections", "update", "billing", "--status", "sleeping")
    assert code == 2
    assert "unknown status 'sleeping'" in err
    code, out, _ = canonry(
        "connections", "update", "billing", "--status", "active", "--rename", "eu", "--json"
    )
    assert (code, json.loads(out)["name"], json.loads(out)["status"]) == (0, "eu", "active")
    code, _, err = canonry("sync", "eu", "orders")
    assert code == 2
    assert "no stream 'orders'" in err
