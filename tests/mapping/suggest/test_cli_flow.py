"""``canonry mapping``: suggest -> draft -> approve -> activate -> sync uses it -> rollback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import respx
from typer.testing import CliRunner

from registry import Registry
from registry.cli import app
from tests.registry.conftest import API_KEY
from tests.registry.fake_adapter import FakeAPI

runner = CliRunner()


def canonry(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    assert API_KEY not in result.stdout + result.stderr, "a secret was printed"
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def billing(cli_env: dict[str, str], fake_api: FakeAPI) -> str:
    assert canonry("init")[0] == 0
    config = json.dumps({"base_url": fake_api.url, "page_size": 100})
    result = runner.invoke(
        app,
        ["connections", "add", "billing", "--adapter", "fake", "--config", config,
         "--credentials-stdin"],
        input=json.dumps({"api_key": API_KEY}),
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    return "billing"


def synced(tmp_path: Path, name: str) -> list[dict[str, Any]]:
    out = tmp_path / f"{name}.jsonl"
    code, _, err = canonry("sync", "billing", "customers", "--full", "--out", str(out))
    assert code == 0, err
    return [json.loads(line) for line in out.read_text().splitlines()]


def versions() -> dict[int, str]:
    code, out, _ = canonry("mapping", "list", "billing", "Customer", "--json")
    assert code == 0
    return {v["version"]: v["status"] for v in json.loads(out)}


@pytest.mark.slow  # ~2 s idle, the whole CLI flow
def test_suggest_review_approve_activate_sync_and_roll_back(
    billing: str, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    code, out, err = canonry(
        "mapping", "suggest", "billing", "Customer", "--samples", "5", "--custom-fields"
    )
    assert code == 0, err
    assert "Customer:" in out
    assert "checked on 5 records" in out
    assert "email" in out
    assert "unix_seconds" in out
    assert "saved draft v1" in out
    assert versions() == {1: "draft"}

    code, _, err = canonry("mapping", "activate", "billing", "Customer", "1")
    assert code == 2
    assert "v1 is draft; only approved versions can be activated" in err
    assert "canonry mapping approve billing Customer 1" in err

    code, out, _ = canonry("mapping", "diff", "billing", "Customer")
    assert code == 0
    assert "default -> v1" in out
    assert "+ custom_fields.object: object" in out

    assert [c["custom_fields"] for c in synced(tmp_path, "before")][:1] == [{}]
    assert canonry("mapping", "approve", "billing", "Customer", "1")[0] == 0
    code, out, _ = canonry("mapping", "activate", "billing", "Customer", "1")
    assert (code, out.strip()) == (0, "Customer mapping v1 of billing is active")
    first = synced(tmp_path, "v1")
    assert len(first) == 250
    assert all(c["custom_fields"] == {"object": "customer"} for c in first)

    with Registry(cli_env["CANONRY_DATABASE_URL"], tenant="acme") as registry:
        registry.add_mapping_version("billing", "Customer", "rules:\n  description: {const: v2}\n")
    assert canonry("mapping", "approve", "billing", "Customer", "2")[0] == 0
    assert canonry("mapping", "activate", "billing", "Customer", "2")[0] == 0
    assert versions() == {1: "retired", 2: "active"}
    second = synced(tmp_path, "v2")
    assert {(c["description"], json.dumps(c["custom_fields"])) for c in second} == {("v2", "{}")}

    code, out, _ = canonry("mapping", "rollback", "billing", "Customer")
    assert (code, out.strip()) == (0, "Customer mapping of billing: v1 is active again")
    assert versions() == {1: "active", 2: "rejected"}
    assert all(c["custom_fields"] == {"object": "customer"} for c in synced(tmp_path, "back"))

    code, out, _ = canonry("mapping", "rollback", "billing", "Customer")
    assert "back to the adapter's default mapping" in out
    assert versions() == {1: "rejected", 2: "rejected"}
    assert all(c["custom_fields"] == {} for c in synced(tmp_path, "default"))
    code, _, err = canonry("mapping", "rollback", "billing", "Customer")
    assert code == 2
    assert "no active Customer mapping to roll back" in err

    code, out, _ = canonry("audit", "--json", "--limit", "100")
    actions = [(e["action"], e["details"].get("version")) for e in json.loads(out)][::-1]
    mapping_steps = [a for a in actions if a[0].startswith("mapping.")]
    assert mapping_steps == [
        ("mapping.add", 1), ("mapping.suggest", 1), ("mapping.approve", 1),
        ("mapping.activate", 1), ("mapping.add", 2), ("mapping.approve", 2),
        ("mapping.activate", 2), ("mapping.rollback", 2), ("mapping.rollback", 1),
    ]  # fmt: skip


def test_reject_and_show(billing: str) -> None:
    assert canonry("mapping", "suggest", "billing", "Customer", "--custom-fields")[0] == 0
    code, out, _ = canonry("mapping", "show", "billing", "Customer", "1")
    assert code == 0
    assert "custom_fields.object: object" in out
    assert canonry("mapping", "reject", "billing", "Customer", "1")[0] == 0
    code, _, err = canonry("mapping", "approve", "billing", "Customer", "1")
    assert code == 2
    assert "v1 is rejected" in err
    assert canonry("mapping", "show", "billing", "Customer", "9")[0] == 3


def test_suggest_from_a_schema_without_saving(billing: str, tmp_path: Path) -> None:
    schema = {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "email": {"type": "string", "format": "email"},
            "created": {"type": "integer", "format": "unix-time"},
            "tier": {"type": "string", "enum": ["gold", "silver"]},
        },
    }
    path = tmp_path / "schema.json"
    path.write_text(json.dumps(schema))
    code, out, err = canonry(
        "mapping", "suggest", "billing", "Customer", "--schema", str(path), "--no-save", "--json"
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["version"] is None
    rules = {r["target"]: r for r in data["proposal"]["rules"]}
    assert rules["email"]["source"] == "email"
    assert rules["created_at"]["transform"] == "unix_seconds"
    assert [u["path"] for u in data["proposal"]["unmapped"]] == ["tier"]
    assert versions() == {}


def test_suggest_with_an_llm_keeps_the_key_out_of_argv_and_output(
    billing: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "sk-llm-cli-5a4b3c2d1e"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    monkeypatch.setenv("CANONRY_LLM_BASE_URL", "http://llm.test/v1")
    monkeypatch.delenv("CANONRY_LLM_CACHE", raising=False)
    rule = {"target": "description", "source": "object", "transform": "strip", "args": {}}
    reply = {"rules": [rule | {"confidence": 0.4, "rationale": "object kind as text"}]}
    body = {"choices": [{"message": {"content": json.dumps(reply)}}]}
    with respx.mock(assert_all_mocked=False) as router:
        router.route(host="127.0.0.1").pass_through()
        route = router.post("http://llm.test/v1/chat/completions").respond(json=body)
        code, out, err = canonry("mapping", "suggest", "billing", "Customer", "--llm", "openai")
    assert code == 0, err
    assert route.call_count == 1
    assert route.calls[0].request.headers["Authorization"] == f"Bearer {secret}"
    assert "customer" not in json.loads(route.calls[0].request.content)["messages"][1]["content"]
    assert "strip (llm)" in out
    assert secret not in out + err


def test_the_llm_key_can_come_from_the_credential_store(
    billing: str, cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stored = "sk-llm-stored-0f1e2d3c"
    for name in ("OPENAI_API_KEY", "CANONRY_LLM_API_KEY", "CANONRY_LLM_CACHE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CANONRY_LLM_BASE_URL", "http://llm.test/v1")
    with Registry(cli_env["CANONRY_DATABASE_URL"], tenant="acme") as registry:
        registry.credential_store.put("acme", "llm-openai", {"api_key": stored})
    body = {"choices": [{"message": {"content": json.dumps({"rules": []})}}]}
    with respx.mock(assert_all_mocked=False) as router:
        router.route(host="127.0.0.1").pass_through()
        route = router.post("http://llm.test/v1/chat/completions").respond(json=body)
        code, out, err = canonry("mapping", "suggest", "billing", "Customer", "--llm", "openai")
    assert code == 0, err
    assert route.calls[0].request.headers["Authorization"] == f"Bearer {stored}"
    assert stored not in out + err
