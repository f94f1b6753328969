"""The quickstart's receiver (examples/notify_receiver.py) verifies and prints what
Canonry sends, and refuses what another secret signed."""

from __future__ import annotations

import importlib.util
import io
import threading
from pathlib import Path
from types import ModuleType

import pytest
from pydantic import SecretStr

from webhooks.notify import NotifySettings, Sender

SECRET = "whsec_" + "c2FtcGxlIHNlY3JldCBvZiB0aGUgcmVjZWl2ZXI="


def _example() -> ModuleType:
    path = Path(__file__).resolve().parents[3] / "examples" / "notify_receiver.py"
    spec = importlib.util.spec_from_file_location("notify_receiver", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("use_package", [True, False])
def test_the_receiver_prints_verified_notifications(
    use_package: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not use_package:
        monkeypatch.setitem(__import__("sys").modules, "standardwebhooks", None)
    out = io.StringIO()
    server = _example().make_server(0, SECRET, out)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    sender = Sender(NotifySettings(allow_http=True, allow_private=True))
    body = (
        b'{"type":"records.changed","timestamp":"2026-12-05T10:00:00+00:00","data":'
        b'{"connection":"shop","model":"customers","changed":3,"deleted":1,"cursor":"abc"}}'
    )
    try:
        good = sender.send(url, body, SecretStr(SECRET), msg_id="msg_ok")
        bad = sender.send(url, body, SecretStr("whsec_" + "A" * 32), msg_id="msg_bad")
    finally:
        sender.close()
        server.shutdown()
        server.server_close()
    assert (good.status_code, bad.status_code) == (204, 401)
    lines = out.getvalue().splitlines()
    assert lines[0] == (
        "records.changed shop/customers: 3 changed (1 deleted), read them with cursor=abc"
    )
    assert lines[1].startswith("refused: ")
