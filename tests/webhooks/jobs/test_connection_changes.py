"""Jobs resolve connections through the registry's resolver: a change (an activated
mapping, a disabled connection) applies to the next job within the one-second recheck."""

from __future__ import annotations

import time

import pytest

from canonical import Customer, Event
from tests.webhooks.jobs.conftest import JobsEnv, now_s, stripe_event
from webhooks import get_item
from webhooks.handlers import HandlerRegistry


def _at_least(seconds: float) -> None:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        time.sleep(0.05)


@pytest.mark.slow
def test_an_activated_mapping_and_a_disabled_connection_apply_to_the_next_job(
    jobs_env: JobsEnv,
) -> None:
    seen: list[Event] = []
    handlers = HandlerRegistry()
    handlers.on("customer.*", name="copy")(lambda e, *, idempotency_key: seen.append(e))
    jobs_env.launch(handlers)
    [first] = jobs_env.deliver(stripe_event("customer.updated", "cus_m", now_s() - 10))
    assert jobs_env.wait([first]) == {first: "done"}
    registry = jobs_env.registry
    version = registry.add_mapping_version(
        "billing", "Customer", "rules:\n  description: {const: v2}\n"
    )
    registry.set_mapping_status("billing", "Customer", version.version, "approved")
    registry.set_mapping_status("billing", "Customer", version.version, "active")
    _at_least(1.1)
    [second] = jobs_env.deliver(stripe_event("customer.updated", "cus_m", now_s() - 5))
    assert jobs_env.wait([second]) == {second: "done"}
    before, after = (e.data for e in seen)
    assert isinstance(before, Customer)
    assert isinstance(after, Customer)
    assert (before.description != "v2", after.description) == (True, "v2")
    registry.update_connection("billing", status="disabled")
    _at_least(1.1)
    [third] = jobs_env.deliver(stripe_event("customer.updated", "cus_m", now_s()))
    assert jobs_env.wait([third]) == {third: "failed"}
    with jobs_env.engine.connect() as conn:
        item = get_item(conn, third, tenant=jobs_env.tenant)
    assert item is not None
    assert "is disabled" in (item.last_error or "")
    assert len(seen) == 2
