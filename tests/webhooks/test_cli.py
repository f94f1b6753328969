"""``canonry webhooks send-test`` against a live endpoint, and ``canonry serve`` end to end."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from typer.testing import CliRunner

from plugins.fakes import unused_port
from registry import create_engine
from registry.cli import app as cli
from tests.harness import Processes
from tests.webhooks.conftest import RecordingEnqueue
from webhooks import WebhookSettings, create_app, list_items

REPO = Path(__file__).resolve().parents[2]
WAIT = 120.0  # deadline of waits for a condition: generous, a loaded machine is only slower
STRIPE = {"api_key": "sk_test_cli_3e1b", "webhook_secret": "whsec_cli_secret_8d2f"}
HUBSPOT = {"access_token": "pat-na1-cli-77", "client_secret": "hubspot-cli-secret-5c"}
runner = CliRunner()


def canonry(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(cli, list(args), input=input)
    for secret in (*STRIPE.values(), *HUBSPOT.values()):
        assert secret not in result.stdout + result.stderr, "a secret was printed"
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'canonry.db'}"
    monkeypatch.setenv("CANONRY_DATABASE_URL", url)
    monkeypatch.setenv("CANONRY_KEY_FILE", str(tmp_path / "canonry.keys"))
    monkeypatch.setenv("CANONRY_TENANT", "default")
    assert canonry("init")[0] == 0
    for name, adapter, creds in (("demo", "stripe", STRIPE), ("crm", "hubspot", HUBSPOT)):
        code, _, err = canonry("connections", "add", name, "--adapter", adapter)
        assert code == 0, err
        code, _, err = canonry("credentials", "set", name, "--stdin", input=json.dumps(creds))
        assert code == 0, err
    return url


@pytest.fixture
def live(cli_db: str) -> Iterator[tuple[str, RecordingEnqueue]]:
    enqueue = RecordingEnqueue()
    app = create_app(WebhookSettings(database_url=cli_db), enqueue=enqueue)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))  # bound here: nobody can take the port before uvicorn starts
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + WAIT
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        assert thread.is_alive(), "uvicorn stopped"
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}", enqueue
    server.should_exit = True
    thread.join(WAIT)
    sock.close()


@pytest.mark.parametrize(
    ("connection", "event", "object_type"),
    [("demo", "invoice.paid", "invoice"), ("crm", "contact.creation", "contact")],
)
def test_send_test_signs_and_posts_a_sample(
    live: tuple[str, RecordingEnqueue], connection: str, event: str, object_type: str
) -> None:
    url, enqueue = live
    code, out, err = canonry("webhooks", "send-test", connection, "--event", event, "--url", url)
    assert code == 0, err
    assert '200 {"duplicates": 0, "received": 1}' in out
    [ref] = enqueue.refs
    assert (ref.vendor_event_type, ref.object_type) == (event, object_type)


def test_send_test_failures_say_what_to_do(live: tuple[str, RecordingEnqueue]) -> None:
    url, _ = live
    send = ("webhooks", "send-test")
    code, _, err = canonry(*send, "demo", "--event", "plan.created", "--url", url)
    assert code == 2
    assert "customer.* or invoice.*" in err
    code, _, err = canonry(*send, "nope", "--event", "invoice.paid", "--url", url)
    assert code == 3
    nobody = f"http://127.0.0.1:{unused_port()}"
    code, _, err = canonry(*send, "demo", "--event", "invoice.paid", "--url", nobody)
    assert code == 1
    assert "canonry serve" in err
    canonry("credentials", "set", "demo", "--stdin", input=json.dumps({"api_key": "sk_test_x"}))
    code, _, err = canonry(*send, "demo", "--event", "invoice.paid", "--url", url)
    assert code == 2
    assert "no webhook signing secret (webhook_secret)" in err


def test_serve_refuses_an_uninitialised_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    code, _, err = canonry("--database-url", url, "serve")
    assert code == 2
    assert "canonry init" in err


def test_serve_refuses_a_public_url_without_scheme(cli_db: str) -> None:
    code, _, err = canonry("serve", "--public-url", "hooks.example.com")
    assert code == 2
    assert "must look like https://host" in err


@pytest.mark.slow
def test_quickstart_serve_then_send_test_is_processed(
    cli_db: str, tmp_path: Path, processes: Processes
) -> None:
    """The README's offline quickstart, as processes: serve (jobs in-process), send-test."""
    port = unused_port()  # below the ephemeral range: no connection takes it meanwhile
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        serve = processes.start(
            [sys.executable, "-m", "registry.cli", "serve", "--port", str(port)],
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    _wait_ready(f"http://127.0.0.1:{port}", serve)
    send = processes.run(
        [sys.executable, "-m", "registry.cli", "webhooks", "send-test", "demo",
         "--event", "invoice.paid", "--url", f"http://127.0.0.1:{port}"],
        env=env, text=True, timeout=120,
    )  # fmt: skip
    assert send.returncode == 0, send.stderr
    assert "200" in send.stdout
    status = _wait_processed(cli_db)
    serve.send_signal(signal.SIGINT)  # Ctrl-C: a graceful stop (jobs finish), exit status 0
    assert serve.wait(timeout=WAIT) == 0
    output = log.read_text()
    assert status == "done", output[-2000:]
    assert "jobs run in this process" in output


def _wait_ready(base: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        assert proc.poll() is None, "canonry serve exited"
        try:
            if httpx.get(f"{base}/readyz", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    pytest.fail(f"canonry serve did not become ready within {WAIT:.0f} s")


def _wait_processed(url: str) -> str:
    engine = create_engine(url)
    try:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                items = list_items(conn, "default")
            if items and items[0].status.value not in ("received", "processing"):
                return items[0].status.value
            time.sleep(0.2)
        return "timeout"
    finally:
        engine.dispose()
