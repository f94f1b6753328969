"""A small receiver of Canonry's change notifications: it verifies each one (Standard
Webhooks: the ``standardwebhooks`` package when installed, else Canonry's own verifier,
which checks the same scheme), prints it, and answers 204 (401 to a bad signature).

    python examples/notify_receiver.py --port 9000 --secret whsec_...  # from `canonry notify add`
    python examples/notify_receiver.py --secret-file notify.secret --log notifications.log

A ``records.changed`` says where to read: pass its ``cursor`` to
``GET /v1/<model>?cursor=...`` (or ``reg.records(model, cursor=...)``) to get exactly what
changed since, tombstones included.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TextIO


def verifier(secret: str) -> Callable[[bytes, dict[str, str]], Any]:
    """``verify(body, headers)`` -> the payload, raising on a bad signature."""
    try:
        from standardwebhooks import Webhook
    except ImportError:
        from webhooks.signatures import verify_standard

        def verify(body: bytes, headers: dict[str, str]) -> Any:
            verify_standard(
                body,
                msg_id=headers.get("webhook-id"),
                timestamp=headers.get("webhook-timestamp"),
                signature=headers.get("webhook-signature"),
                secrets=[secret],
            )
            return json.loads(body)

        return verify
    return Webhook(secret).verify


def describe(payload: dict[str, Any]) -> str:
    data = payload.get("data", {})
    if payload.get("type") == "records.changed":
        return (f"records.changed {data.get('connection')}/{data.get('model')}: "
                f"{data.get('changed')} changed ({data.get('deleted')} deleted), "
                f"read them with cursor={data.get('cursor')}")  # fmt: skip
    return f"{payload.get('type')} {json.dumps(data, sort_keys=True)}"


def make_server(port: int, secret: str, out: TextIO = sys.stdout) -> ThreadingHTTPServer:
    verify = verifier(secret)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                payload = verify(body, headers)
            except Exception as exc:  # any verification failure: refuse it
                print(f"refused: {exc}", file=out, flush=True)
                status = 401
            else:
                print(describe(payload), file=out, flush=True)
                status = 204
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

    return ThreadingHTTPServer(("127.0.0.1", port), Handler)


def main() -> None:
    parser = argparse.ArgumentParser(description="Receive and verify Canonry notifications.")
    parser.add_argument("--port", type=int, default=9000)
    given = parser.add_mutually_exclusive_group(required=True)
    given.add_argument("--secret", help="the endpoint's whsec_... secret")
    given.add_argument("--secret-file", help="a file holding it (what `notify add` printed)")
    parser.add_argument("--log", help="append what arrives to this file (default: stdout)")
    args = parser.parse_args()
    if args.secret_file:
        with open(args.secret_file, encoding="utf-8") as held:
            secret = held.read().strip()
    else:
        secret = args.secret
    out = open(args.log, "a", encoding="utf-8") if args.log else sys.stdout  # noqa: SIM115
    server = make_server(args.port, secret, out)
    print(f"listening on http://127.0.0.1:{args.port}/ (Ctrl-C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.server_close()
    finally:
        if out is not sys.stdout:
            out.close()


if __name__ == "__main__":
    main()
