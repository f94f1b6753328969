"""Logs of ``canonry serve`` and ``canonry worker``: text lines, or one JSON object a line.

``--log-format json`` (``CANONRY_LOG_FORMAT=json``) prints each record as JSON with
``ts``, ``level``, ``logger``, ``message`` and the structured fields Canonry attaches
(``record.canonry``: item id, connection, handler, attempt, error type...), so a log
pipeline can index them. DBOS's and uvicorn's loggers get the same format.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from canonical import ConfigurationError

__all__ = [
    "LOG_FORMATS",
    "JsonFormatter",
    "configure_logging",
    "log_format_from_env",
]

LOG_FORMATS = ("text", "json")
_TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object per record (never multi-line: tracebacks become one string field)."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "canonry", None)
        if isinstance(fields, Mapping):
            data.update({k: v for k, v in fields.items() if k not in data})
        if record.exc_info:
            data["exc_type"] = record.exc_info[0].__name__ if record.exc_info[0] else None
            data["traceback"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str, ensure_ascii=False)


def log_format_from_env(environ: Mapping[str, str] | None = None) -> str:
    """``CANONRY_LOG_FORMAT`` (``text`` by default)."""
    raw = (os.environ if environ is None else environ).get("CANONRY_LOG_FORMAT", "") or "text"
    return _checked(raw.strip().lower())


def _checked(fmt: str) -> str:
    if fmt not in LOG_FORMATS:
        raise ConfigurationError(
            f"unknown log format {fmt!r}", hint="use --log-format text or --log-format json"
        )
    return fmt


def _formatter(fmt: str) -> logging.Formatter:
    return JsonFormatter() if fmt == "json" else logging.Formatter(_TEXT)


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a record is emitted."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def configure_logging(fmt: str = "text", level: str = "info") -> None:
    """Send the process's logs (Canonry's, DBOS's, uvicorn's) to stderr in ``fmt`` at
    ``level``. Called again, it replaces its own handler (never anyone else's)."""
    formatter = _formatter(_checked(fmt))
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        raise ConfigurationError(f"unknown log level {level!r}", hint="use debug, info or warning")
    logging.getLogger("dbos").propagate = False
    for name in ("", "dbos"):  # DBOS logs through its own logger, which does not propagate
        logger = logging.getLogger(name)
        for old in [h for h in logger.handlers if isinstance(h, _StderrHandler)]:
            logger.removeHandler(old)
        handler = _StderrHandler()
        handler.setFormatter(formatter)
        handler.setLevel(numeric)
        logger.addHandler(handler)
    root = logging.getLogger()
    root.setLevel(min(root.level or numeric, numeric))
