"""One structured line per attempt, and JSON logs for serve and worker."""

from __future__ import annotations

import io
import json
import logging
from datetime import UTC, datetime

import pytest

from canonical import ConfigurationError
from webhooks import InboxItem, InboxStatus
from webhooks._logging import JsonFormatter, configure_logging, log_format_from_env
from webhooks.jobs._log import log_attempt, log_outcome

BODY_MARKER = "body-marker-3c1d"


def _item() -> InboxItem:
    now = datetime.now(UTC)
    return InboxItem(
        id="a1b2c3", tenant="acme", connection_id="conn-1", adapter="stripe",
        vendor_event_id="evt_1", vendor_event_type="invoice.paid", object_type="invoice",
        object_id="in_1", occurred_at=now, received_at=now, headers={},
        body=f'{{"secret": "{BODY_MARKER}"}}'.encode(), status=InboxStatus.RECEIVED,
        attempts=0, last_error=None, processed_at=None,
    )  # fmt: skip


def test_each_attempt_is_one_json_line_with_its_fields_and_no_body() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("canonry.webhooks.jobs")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        item = _item()
        log_attempt(item, "mailer", 2, RuntimeError("smtp refused\nsecond line"),
                    max_attempts=5, wait=4.0)  # fmt: skip
        log_attempt(item, "ledger", 1, None)
        log_outcome(item, "dead", "mailer: RuntimeError: smtp refused", 5)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    lines = stream.getvalue().splitlines()
    failed, ok, dead = (json.loads(line) for line in lines)
    assert len(lines) == 3  # one line each, a multi-line error included
    assert failed["level"] == "warning"
    assert {k: failed[k] for k in ("item_id", "connection_id", "handler", "attempt",
                                   "max_attempts", "error_type", "retry_in")} == {
        "item_id": "a1b2c3", "connection_id": "conn-1", "handler": "mailer", "attempt": 2,
        "max_attempts": 5, "error_type": "RuntimeError", "retry_in": 4.0,
    }  # fmt: skip
    assert failed["error"] == "RuntimeError: smtp refused"
    assert (ok["level"], ok["outcome"]) == ("debug", "ok")
    assert (dead["level"], dead["status"], dead["attempts"]) == ("error", "dead", 5)
    assert BODY_MARKER not in stream.getvalue()


def test_the_log_format_comes_from_the_environment_or_is_refused() -> None:
    assert log_format_from_env({}) == "text"
    assert log_format_from_env({"CANONRY_LOG_FORMAT": "JSON"}) == "json"
    with pytest.raises(ConfigurationError, match="unknown log format"):
        log_format_from_env({"CANONRY_LOG_FORMAT": "xml"})
    with pytest.raises(ConfigurationError, match="unknown log level"):
        configure_logging("json", "loud")


def test_dboss_tracebacks_become_one_line() -> None:
    from webhooks.jobs._startup import _ONE_LINE

    try:
        raise ConnectionError("connection refused\nmore detail")
    except ConnectionError:
        import sys

        record = logging.LogRecord(
            "dbos", logging.WARNING, __file__, 1, "Exception polling schedules: %s", ("x",),
            sys.exc_info(),
        )  # fmt: skip
    assert _ONE_LINE.filter(record)
    assert record.getMessage() == (
        "Exception polling schedules: x: ConnectionError: connection refused"
    )
    assert record.exc_info is None


def test_a_traceback_inside_a_dbos_message_keeps_its_exception_line() -> None:
    from webhooks.jobs._startup import _ONE_LINE

    text = (
        "Exception polling schedules: Traceback (most recent call last):\n"
        '  File "x.py", line 1, in f\n    g()\n'
        "sqlalchemy.exc.OperationalError: connection refused\n"
    )
    record = logging.LogRecord("dbos", logging.WARNING, __file__, 1, text, None, None)
    _ONE_LINE.filter(record)
    assert record.getMessage() == (
        "Exception polling schedules: sqlalchemy.exc.OperationalError: connection refused"
    )
