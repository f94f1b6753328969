"""``canonry serve`` on SIGTERM stops taking requests, lets the running handler finish,
logs what it waited for and exits 0 (uvicorn used to re-raise the signal: status 143)."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from plugins.fakes import unused_port
from registry import create_engine
from tests.harness import Processes
from tests.webhooks import stop_handlers
from tests.webhooks.test_cli import REPO, WAIT, _wait_ready, canonry
from tests.webhooks.test_cli import cli_db as cli_db  # the fixture


def _count(engine: sa.Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text(f"select count(*) from {table}")).scalar_one())


@pytest.mark.slow
def test_sigterm_lets_the_running_handler_finish_and_exits_zero(
    cli_db: str, tmp_path: Path, processes: Processes
) -> None:
    engine = create_engine(cli_db)
    with engine.begin() as conn:
        for statement in stop_handlers.DDL:
            conn.execute(sa.text(statement))
    release = tmp_path / "release"
    port = unused_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "CANONRY_HANDLERS": "tests.webhooks.stop_handlers",
        "CANONRY_TEST_RELEASE": str(release),
    }
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        serve = processes.start(
            [sys.executable, "-m", "registry.cli", "serve", "--port", str(port), "--grace", "60"],
            env=env, stdout=out, stderr=out,
        )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_ready(base, serve)
        code, _, err = canonry("webhooks", "send-test", "demo", "--event", "invoice.paid",
                               "--url", base)  # fmt: skip
        assert code == 0, err
        _wait_until(lambda: _count(engine, "stop_runs") > 0, "the handler never started")
        serve.send_signal(signal.SIGTERM)
        waiting = "waiting up to 60s for 1 running job(s) to finish"
        _wait_until(lambda: waiting in log.read_text(errors="replace"), "no wait was logged")
        assert serve.poll() is None, "serve exited while its handler was still running"
        release.touch()
        returncode = serve.wait(timeout=WAIT)
    finally:
        release.touch()
    output = log.read_text(errors="replace")
    assert returncode == 0, output[-3000:]
    assert _count(engine, "stop_runs") == 1  # not cut and run again
    assert _count(engine, "stop_effects") == 1
    with engine.connect() as conn:
        status = conn.execute(sa.text("select status from canonry_webhook_inbox")).scalar_one()
    engine.dispose()
    assert status == "done"
    assert "1 running job(s) finished" in output


def _wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)
