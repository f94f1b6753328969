"""The sender: Standard Webhooks signatures the standardwebhooks package accepts, no
redirects, a bounded read of the answer, a timeout, and the secret in no log or error."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from plugins.fakes import unused_port
from tests.webhooks.notify.receiver import Receiver
from webhooks.notify import NotifySettings, Sender

SECRET = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver().start()
    yield found
    found.close()


@pytest.fixture
def sender() -> Iterator[Sender]:
    found = Sender(NotifySettings(allow_http=True, allow_private=True, timeout=2))
    yield found
    found.close()


def test_the_signature_is_accepted_by_standardwebhooks(receiver: Receiver, sender: Sender) -> None:
    body = b'{"type":"records.changed","timestamp":"2026-12-05T10:00:00+00:00","data":{}}'
    result = sender.send(receiver.url(), body, SecretStr(SECRET), msg_id="msg_1")
    assert result.ok
    assert result.status_code == 204
    got = receiver.received[0]
    assert got.verified(SECRET)["type"] == "records.changed"
    assert got.headers["webhook-id"] == "msg_1"
    assert got.headers["content-type"] == "application/json"
    assert got.headers["user-agent"].startswith("Canonry-Webhooks/")
    with pytest.raises(Exception, match="signature"):
        got.verified("whsec_" + "A" * 32)


def test_redirects_are_not_followed(receiver: Receiver, sender: Sender) -> None:
    receiver.answer = lambda r: (
        (302, {"Location": receiver.url("/elsewhere")}, b"")
        if r.path == "/hooks"
        else (200, {}, b"")
    )
    result = sender.send(receiver.url(), b"{}", SecretStr(SECRET), msg_id="msg_2")
    assert not result.ok
    assert result.status_code == 302
    assert "not followed" in (result.error or "")
    assert [r.path for r in receiver.received] == ["/hooks"]


def test_a_failed_answer_is_kept_short(receiver: Receiver, sender: Sender) -> None:
    receiver.answer = lambda _r: (503, {"Retry-After": "120"}, b"x" * 50_000)
    result = sender.send(receiver.url(), b"{}", SecretStr(SECRET), msg_id="msg_3")
    assert (result.ok, result.status_code, result.retry_after) == (False, 503, 120.0)
    assert result.response is not None
    assert len(result.response) == 1000


class _Endless:
    """A server answering 200 with a chunked body that never ends (or never answers)."""

    def __init__(self, *, answer: bool) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.answer = answer
        self.stop = threading.Event()
        self.sent = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        conn, _ = self.sock.accept()
        with conn:
            conn.recv(65536)
            if not self.answer:
                self.stop.wait(60)
                return
            conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            chunk = b"4000\r\n" + b"y" * 0x4000 + b"\r\n"
            try:
                while not self.stop.is_set():
                    conn.sendall(chunk)
                    self.sent += 0x4000
            except OSError:
                return

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


def test_an_endless_answer_is_read_only_up_to_the_bound(sender: Sender) -> None:
    server = _Endless(answer=True)
    try:
        result = sender.send(f"http://127.0.0.1:{server.port}/", b"{}", SecretStr(SECRET),
                             msg_id="msg_4")  # fmt: skip
    finally:
        server.close()
    assert result.ok
    assert result.response is not None
    assert len(result.response) == 1000


def test_an_endpoint_that_never_answers_times_out(sender: Sender) -> None:
    server = _Endless(answer=False)
    try:
        result = sender.send(f"http://127.0.0.1:{server.port}/", b"{}", SecretStr(SECRET),
                             msg_id="msg_5")  # fmt: skip
    finally:
        server.close()
    assert not result.ok
    assert result.status_code is None
    assert "timed out" in (result.error or "")


def test_the_secret_is_in_no_log_error_or_record(
    receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sender = Sender(NotifySettings(allow_http=True, allow_private=False, timeout=2))
    try:
        refused = sender.send(receiver.url(), b"{}", SecretStr(SECRET), msg_id="msg_6")
        down = Sender(NotifySettings(allow_http=True, allow_private=True, timeout=2))
        url = f"http://127.0.0.1:{unused_port()}/"
        failed = down.send(url, b"{}", SecretStr(SECRET), msg_id="msg_7")
        down.close()
    finally:
        sender.close()
    assert refused.refused
    assert not failed.ok
    key = SECRET.removeprefix("whsec_")
    for text in (caplog.text, repr(refused), repr(failed), str(refused.error), str(failed.error)):
        assert key not in text
