"""``canonry notify ...`` through Typer's runner: the secret shown once, a test event a
local receiver verifies with standardwebhooks, deliveries, replay, SSRF refusals."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.registry.cli import canonry
from tests.webhooks.notify.receiver import Receiver


@pytest.fixture
def receiver(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    request.getfixturevalue("initialised")
    monkeypatch.setenv("CANONRY_NOTIFY_ALLOW_PRIVATE", "1")
    monkeypatch.setenv("CANONRY_NOTIFY_ALLOW_HTTP", "1")
    found = Receiver().start()
    yield found
    found.close()


def _add(url: str, *args: str) -> tuple[str, str]:
    code, out, err = canonry("notify", "add", url, *args, "--json")
    assert code == 0, err
    data = json.loads(out)
    return data["id"], data["secret"]


def test_add_shows_the_secret_once_and_test_delivers_it(receiver: Receiver) -> None:
    code, out, err = canonry("notify", "add", receiver.url(), "--events",
                             "records.changed,sync.failed", "--description", "my app")  # fmt: skip
    assert code == 0, err
    secret = out.strip()
    assert secret.startswith("whsec_")
    assert "shown only now" in err
    code, listed, _ = canonry("notify", "list", "--json")
    assert secret not in listed
    [endpoint] = json.loads(listed)
    assert endpoint["events"] == ["records.changed", "sync.failed"]
    code, out, err = canonry("notify", "test", endpoint["id"][:8])
    assert code == 0, err
    assert out.startswith(f"{receiver.url()}: 204 in ")
    payload = receiver.received[0].verified(secret)
    assert payload["type"] == "canonry.test"
    assert payload["data"]["endpoint_id"] == endpoint["id"]
    code, out, _ = canonry("notify", "deliveries", "--json")
    assert [(d["event_type"], d["status"], d["attempts"]) for d in json.loads(out)] == [
        ("canonry.test", "delivered", 1)
    ]
    code, out, _ = canonry("notify", "list")
    assert secret not in out


def test_a_failing_test_exits_1_and_is_on_the_dead_letter_list(receiver: Receiver) -> None:
    receiver.answer = lambda _r: (500, {}, b"down for maintenance")
    endpoint_id, _secret = _add(receiver.url())
    code, _, err = canonry("notify", "test", endpoint_id)
    assert code == 1
    assert "the endpoint answered 500" in err
    code, out, _ = canonry("notify", "deliveries", "--status", "dead", "--json")
    [dead] = json.loads(out)
    assert (dead["last_status_code"], dead["endpoint_id"]) == (500, endpoint_id)
    code, out, _ = canonry("notify", "replay", dead["id"])
    assert (code, out.strip()) == (0, "1 delivery queued again")
    code, out, _ = canonry("notify", "deliveries", "--status", "pending", "--json")
    assert [d["id"] for d in json.loads(out)] == [dead["id"]]
    code, _, err = canonry("notify", "replay")
    assert code == 2
    assert "--dead" in err


def test_remove_and_refusals(receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    endpoint_id, _secret = _add(receiver.url())
    code, out, _ = canonry("notify", "remove", endpoint_id)
    assert code == 0
    assert "removed" in out
    assert canonry("notify", "remove", endpoint_id)[0] == 3
    monkeypatch.delenv("CANONRY_NOTIFY_ALLOW_PRIVATE")
    monkeypatch.delenv("CANONRY_NOTIFY_ALLOW_HTTP")
    for url, message in [
        (receiver.url(), "must use https"),
        ("https://127.0.0.1/hooks", "loopback"),
        ("https://169.254.169.254/latest/meta-data", "link-local"),
    ]:
        code, _, err = canonry("notify", "add", url)
        assert code == 2
        assert message in err
    code, _, err = canonry("notify", "add", "https://hooks.example.com/x", "--events", "nope")
    assert code == 2
    assert "unknown event type" in err
