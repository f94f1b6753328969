"""``canonry webhooks list|show|replay|dead-letters|purge`` on real items."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from canonical import ConfigurationError, Event, NotFoundInRegistry
from registry.cli._app import app
from registry.cli._webhooks import parse_age
from tests.webhooks.jobs.conftest import JobsEnv, now_s, stripe_event
from webhooks import insert_items
from webhooks.handlers import HandlerRegistry


def _run(env: JobsEnv, *args: str, stdin: str | None = None) -> tuple[int, str]:
    runner = CliRunner()
    result = runner.invoke(app, ["--tenant", "acme", "--database-url", env.url, *args], input=stdin)
    return result.exit_code, result.output


@pytest.fixture
def processed(jobs_env: JobsEnv) -> dict[str, str]:
    """One done and one dead item (the failing handler has one attempt)."""
    handlers = HandlerRegistry()

    @handlers.on("customer.deleted", name="fragile", max_attempts=1)
    def fragile(event: Event, *, idempotency_key: str) -> None:
        raise RuntimeError("downstream refused")

    jobs_env.launch(handlers)
    t = now_s()
    done, dead = jobs_env.deliver(
        stripe_event("invoice.paid", "in_cli", t), stripe_event("customer.deleted", "cus_cli", t)
    )
    jobs_env.wait([done, dead])
    return {"done": done, "dead": dead}


def test_list_filters_by_status_and_prints_json(
    jobs_env: JobsEnv, processed: dict[str, str]
) -> None:
    code, out = _run(jobs_env, "webhooks", "list", "--json")
    assert code == 0
    assert {i["id"]: i["status"] for i in json.loads(out)} == {
        processed["done"]: "done",
        processed["dead"]: "dead",
    }
    code, out = _run(
        jobs_env, "webhooks", "list", "--status", "dead", "--connection", "billing", "--json"
    )
    assert [i["id"] for i in json.loads(out)] == [processed["dead"]]
    code, out = _run(jobs_env, "webhooks", "list")
    assert code == 0
    assert "webhook items (2)" in out
    assert "dead" in out
    code, out = _run(jobs_env, "webhooks", "list", "--status", "lost")
    assert code == 2


def test_show_prints_headers_and_error_and_the_body_only_on_request(
    jobs_env: JobsEnv, processed: dict[str, str]
) -> None:
    code, out = _run(jobs_env, "webhooks", "show", processed["dead"], "--json")
    shown = json.loads(out)
    assert code == 0
    assert shown["last_error"] == "fragile: RuntimeError: downstream refused"
    assert shown["headers"] == {"stripe-signature": "t=1,v1=00"}
    assert "body" not in shown
    code, out = _run(jobs_env, "webhooks", "show", processed["dead"], "--body", "--json")
    assert json.loads(json.loads(out)["body"])["type"] == "customer.deleted"
    code, _ = _run(jobs_env, "webhooks", "show", "nope")
    assert code == 3


def test_dead_letters_and_replay(jobs_env: JobsEnv, processed: dict[str, str]) -> None:
    code, out = _run(jobs_env, "webhooks", "dead-letters", "--json")
    assert code == 0
    assert [i["id"] for i in json.loads(out)] == [processed["dead"]]
    jobs_env.runtimes.pop().shutdown(timeout=0)  # no worker: the replay stays queued
    code, out = _run(jobs_env, "webhooks", "replay", processed["dead"])
    assert code == 0
    assert f"{processed['dead']}:replay:1" in out
    assert jobs_env.statuses()[processed["dead"]] == "received"
    code, _ = _run(jobs_env, "--tenant", "other", "webhooks", "replay", processed["dead"])
    assert code == 3


def test_purge_deletes_only_old_items_in_the_given_statuses(
    jobs_env: JobsEnv, processed: dict[str, str]
) -> None:
    code, out = _run(jobs_env, "webhooks", "purge", "--older-than", "1d", "--yes")
    assert (code, out.strip()) == (0, "purged 0 item(s)")
    with jobs_env.engine.begin() as conn:
        conn.execute(
            sa.text("update canonry_webhook_inbox set received_at = '2020-01-01 00:00:00'")
        )
    code, out = _run(jobs_env, "webhooks", "purge", "--older-than", "30d", "--yes")
    assert (code, out.strip()) == (0, "purged 1 item(s)")
    assert set(jobs_env.statuses()) == {processed["dead"]}
    code, _ = _run(
        jobs_env, "webhooks", "purge", "--older-than", "30d", "--status", "received", "--yes"
    )
    assert code == 2
    code, _ = _run(
        jobs_env, "webhooks", "purge", "--older-than", "30d", "--status", "dead", stdin="n\n"
    )
    assert code == 1
    assert set(jobs_env.statuses()) == {processed["dead"]}


@pytest.mark.parametrize(
    ("text", "expected"),
    [("30d", timedelta(days=30)), ("12h", timedelta(hours=12)), ("2w", timedelta(weeks=2))],
)
def test_ages_are_read_with_units(text: str, expected: timedelta) -> None:
    assert parse_age(text) == expected


def test_an_item_whose_job_runs_shows_as_processing(jobs_env: JobsEnv) -> None:
    started, release = threading.Event(), threading.Event()
    handlers = HandlerRegistry()

    @handlers.on("invoice.paid", name="slow")
    def slow(event: Event, *, idempotency_key: str) -> None:
        started.set()
        release.wait(120)

    jobs_env.launch(handlers)
    [item] = jobs_env.deliver(stripe_event("invoice.paid", "in_slow", now_s()))
    assert started.wait(120)
    try:
        code, out = _run(jobs_env, "webhooks", "list", "--status", "processing", "--json")
        assert code == 0
        assert [(i["id"], i["status"]) for i in json.loads(out)] == [(item, "processing")]
        _, out = _run(jobs_env, "webhooks", "list", "--status", "received", "--json")
        assert json.loads(out) == []  # received means queued: this one has started
        _, out = _run(jobs_env, "webhooks", "show", item, "--json")
        assert json.loads(out)["status"] == "processing"
    finally:
        release.set()
    assert jobs_env.wait([item]) == {item: "done"}
    _, out = _run(jobs_env, "webhooks", "show", item, "--json")
    assert json.loads(out)["status"] == "done"


def test_bulk_replay_by_status_connection_and_time_and_ids_by_prefix(jobs_env: JobsEnv) -> None:
    handlers = HandlerRegistry()
    broken = [True]

    @handlers.on("customer.*", name="flaky_downstream", max_attempts=1)
    def flaky(event: Event, *, idempotency_key: str) -> None:
        if broken[0]:
            raise RuntimeError("downstream down")

    jobs_env.launch(handlers)
    t = now_s()
    ids = jobs_env.deliver(
        *(stripe_event("customer.updated", f"cus_b{n}", t + n) for n in range(3))
    )
    assert set(jobs_env.wait(ids).values()) == {"dead"}
    code, out = _run(jobs_env, "webhooks", "replay", "--status", "dead", "--connection",
                     "billing", "--since", "1h", "--dry-run")  # fmt: skip
    assert code == 0, out
    assert sorted(line.split()[-1] for line in out.splitlines()[:-1]) == sorted(ids)
    assert "would replay 3 dead item(s)" in out
    assert set(jobs_env.statuses().values()) == {"dead"}  # a dry run changes nothing
    code, out = _run(jobs_env, "webhooks", "replay", "--status", "dead", "--since",
                     "2999-01-01T00:00")  # fmt: skip
    assert (code, out.strip()) == (0, "replaying 0 dead item(s)")
    broken[0] = False
    code, out = _run(jobs_env, "webhooks", "replay", "--status", "dead")
    assert code == 0, out
    assert set(jobs_env.wait(ids).values()) == {"done"}
    code, out = _run(jobs_env, "webhooks", "show", ids[0][:10], "--json")
    assert (code, json.loads(out)["id"]) == (0, ids[0])
    code, out = _run(jobs_env, "webhooks", "replay", ids[1][:8])
    assert code == 0
    assert f"replaying {ids[1]} as job {ids[1]}:replay:" in out
    code, _ = _run(jobs_env, "webhooks", "show", "abc")  # too short to be a prefix
    assert code == 2
    code, _ = _run(jobs_env, "webhooks", "replay")
    assert code == 2
    code, _ = _run(jobs_env, "webhooks", "replay", "--status", "received")
    assert code == 2


def test_an_ambiguous_prefix_is_refused_and_other_tenants_items_are_not_found(
    jobs_env: JobsEnv,
) -> None:
    from webhooks import NewInboxItem
    from webhooks.jobs import find_item_id

    def item(item_id: str, tenant: str) -> NewInboxItem:
        return NewInboxItem(
            tenant=tenant, connection_id=jobs_env.connection_id, adapter="stripe",
            vendor_event_id=f"evt_{item_id}", vendor_event_type="customer.updated",
            object_type="customer", object_id="cus_p", occurred_at=datetime.now(UTC),
            body=b"{}", id=item_id,
        )  # fmt: skip

    with jobs_env.engine.begin() as conn:
        insert_items(conn, [item("abcd1111", "acme"), item("abcd2222", "acme"),
                            item("beef3333", "globex")])  # fmt: skip
    assert find_item_id(jobs_env.engine, "acme", "abcd1") == "abcd1111"
    with pytest.raises(ConfigurationError, match="more than one"):
        find_item_id(jobs_env.engine, "acme", "abcd")
    with pytest.raises(NotFoundInRegistry):
        find_item_id(jobs_env.engine, "acme", "beef")
