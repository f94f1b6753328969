"""Property-based fuzzing of the running API from its own OpenAPI document (schemathesis):
no 5xx, and every response matches the documented status codes, headers and schemas."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from registry.api import openapi_document
from tests.registry.api.conftest import ApiEnv


def test_the_api_conforms_to_its_openapi_document(api: ApiEnv) -> None:
    schema = schemathesis.openapi.from_dict(openapi_document())
    headers = {"Authorization": f"Bearer {api.key}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 6

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=40,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        def check(case: schemathesis.Case) -> None:
            api.clock.now += 1.0  # keep the key under its rate limit: the clock is the test's
            case.call_and_validate(
                base_url=str(api.client.base_url),
                headers=headers,
                # a cursor is an opaque token this API issued: any other string is refused
                # with a documented 400, so "every schema-valid request succeeds" cannot hold
                excluded_checks=[checks.positive_data_acceptance],
            )

        check()
