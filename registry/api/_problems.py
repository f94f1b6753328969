"""Errors as RFC 9457 problem details (``application/problem+json``)."""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

__all__ = ["PROBLEM_TYPE", "ApiProblem", "problem_response"]

PROBLEM_TYPE = "https://canonry.dev/problems/"
_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    429: "Too many requests",
    500: "Internal error",
    503: "Service unavailable",
}


class ApiProblem(Exception):
    """Raised by a route to answer with a problem document."""

    def __init__(
        self, status: int, code: str, detail: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail
        self.headers = headers or {}


def problem_response(
    status: int,
    code: str,
    detail: str,
    *,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE + code,
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if instance is not None:
        body["instance"] = instance
    return Response(
        json.dumps(body),
        status_code=status,
        media_type="application/problem+json",
        headers=headers,
    )
