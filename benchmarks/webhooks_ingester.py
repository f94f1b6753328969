"""The acknowledgement baseline of benchmarks/webhooks.py: the simplest correct durable
webhook ingester, written plainly (issue 19's "minimal ingester").

A Starlette app under the same uvicorn (httptools, uvloop when installed) that, per
request: reads the body, verifies the ``Stripe-Signature`` (HMAC-SHA256 of ``t.body``,
constant-time compare, 300 s window), reads the event id from the JSON, and inserts
``(id, body)`` with ``INSERT OR IGNORE`` into SQLite in WAL mode with
``synchronous=NORMAL``, committed before it answers 200 (a redelivery is deduplicated
by the primary key). No multi-tenancy, no connection lookup, no credential store, no job
enqueue, no metrics: what Canonry does beyond this is what its overhead pays for.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
import tempfile
import time
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

_WINDOW = 300


def _verified(body: bytes, header: str, secret: bytes) -> bool:
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    stamp, given = parts.get("t", ""), parts.get("v1", "")
    if not stamp.isdigit() or abs(time.time() - int(stamp)) > _WINDOW:
        return False
    expected = hmac.new(secret, stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, given)


def make_app(database: Path, secret: str) -> Starlette:
    db = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE IF NOT EXISTS events (id TEXT PRIMARY KEY, body BLOB NOT NULL)")
    key = secret.encode()

    async def receive(request: Request) -> Response:
        body = await request.body()
        if not _verified(body, request.headers.get("stripe-signature", ""), key):
            return JSONResponse({"error": "bad_signature"}, 401)
        try:
            event_id = str(json.loads(body)["id"])
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"error": "invalid_json"}, 400)
        stored = db.execute("INSERT OR IGNORE INTO events VALUES (?, ?)", (event_id, body))
        return JSONResponse({"received": stored.rowcount, "duplicates": 1 - stored.rowcount})

    return Starlette(routes=[Route("/webhooks/{connection}", receive, methods=["POST"])])


def serve(port: int, secret: str) -> None:
    import uvicorn

    with tempfile.TemporaryDirectory(prefix="ingester-") as tmp:
        app = make_app(Path(tmp) / "events.db", secret)
        uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", http="httptools")
