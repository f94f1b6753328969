"""The dlt source: a duckdb destination holds exactly the store's live records."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from registry import Registry
from tests.registry.conftest import MakeRegistry
from tests.registry.store_vendor import VENDORS, Vendor, VendorAdapter

dlt = pytest.importorskip("dlt", reason="the dlt extra is not installed")


@pytest.fixture
def dlt_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """dlt's state and config inside the test's folder; no telemetry."""
    monkeypatch.setenv("RUNTIME__DLTHUB_TELEMETRY", "false")
    monkeypatch.setenv("DLT_DATA_DIR", str(tmp_path / "dlt-data"))
    monkeypatch.setenv("DLT_PROJECT_DIR", str(tmp_path / "dlt-project"))
    return tmp_path


@pytest.fixture
def vendor() -> Iterator[Vendor]:
    made = Vendor(f"dlt-{uuid.uuid4().hex[:8]}")
    for n in range(40):
        made.upsert(f"c{n:03d}", name=f"Customer {n}", email=f"c{n}@example.com")
    yield made
    VENDORS.pop(made.name, None)


def _load(pipeline: Any, url: str) -> None:
    from registry.dlt import source

    info = pipeline.run(source(database_url=url, tenant="acme", models=["customers"]))
    assert not info.has_failed_jobs


def _destination(pipeline: Any) -> dict[str, str]:
    with pipeline.sql_client() as client:
        rows = client.execute_sql("select id, name from customers")
    return {row[0]: row[1] for row in rows}


def test_a_duckdb_load_holds_exactly_the_live_records_after_updates_and_deletes(
    dlt_env: Path, make_registry: MakeRegistry, database_url: str, vendor: Vendor
) -> None:
    reg: Registry = make_registry(adapters={"vendor": VendorAdapter})
    reg.add_connection("shop", "vendor", {"vendor": vendor.name}, {"api_key": "k"})
    for _ in reg.sync("shop", "customers"):
        pass
    pipeline = dlt.pipeline(
        pipeline_name=f"canonry_{uuid.uuid4().hex[:6]}",
        destination=dlt.destinations.duckdb(str(dlt_env / "warehouse.duckdb")),
        dataset_name="canonical",
        pipelines_dir=str(dlt_env / "pipelines"),
    )
    _load(pipeline, database_url)

    def live() -> dict[str, str]:
        page = reg.records("customers", limit=1000)
        return {r.id: r.name for r in page.records}  # type: ignore[union-attr]

    assert _destination(pipeline) == live()
    vendor.upsert("c001", name="Renamed")
    vendor.delete("c002")
    vendor.upsert("c900", name="Added")
    for _ in reg.sync("shop", "customers"):
        pass
    _load(pipeline, database_url)
    assert _destination(pipeline) == live()
    assert len(live()) == 40
    _load(pipeline, database_url)  # nothing changed: nothing moves
    assert _destination(pipeline) == live()


def test_invoice_lines_become_a_child_table_replaced_on_update(
    dlt_env: Path, make_registry: MakeRegistry, database_url: str
) -> None:
    from datetime import UTC, datetime

    from canonical import Invoice, InvoiceLine, Money, Source
    from registry._store import write_records
    from registry._store_rows import prepare
    from registry.dlt import source

    reg: Registry = make_registry(adapters={"vendor": VendorAdapter})
    conn = reg.add_connection("shop", "vendor", {"vendor": "none"}, {"api_key": "k"}).id
    src = Source(adapter="vendor", connection_id=conn)

    def invoice(lines: int, at: datetime) -> Invoice:
        items = [InvoiceLine(amount=Money(amount="1.00", currency="EUR")) for _ in range(lines)]
        total = Money(amount=f"{lines}.00", currency="EUR")
        return Invoice(remote_id="in_1", source=src, status="open", currency="EUR",
                       lines=items, total=total, updated_at=at)  # fmt: skip

    def store(obj: Invoice) -> None:
        now = datetime.now(UTC)
        with reg.engine.begin() as db:
            write_records(db, [prepare(obj, observed_at=now)], tenant="acme",
                          connection_id=conn, stream="invoices", now=now)  # fmt: skip

    pipeline = dlt.pipeline(
        pipeline_name=f"canonry_{uuid.uuid4().hex[:6]}",
        destination=dlt.destinations.duckdb(str(dlt_env / "warehouse.duckdb")),
        dataset_name="canonical",
        pipelines_dir=str(dlt_env / "pipelines"),
    )
    store(invoice(3, datetime(2026, 1, 1, tzinfo=UTC)))
    pipeline.run(source(database_url=database_url, tenant="acme", models=["invoices"]))
    store(invoice(2, datetime(2026, 1, 2, tzinfo=UTC)))
    pipeline.run(source(database_url=database_url, tenant="acme", models=["invoices"]))
    with pipeline.sql_client() as client:
        lines = client.execute_sql("select count(*) from invoices__lines")[0][0]
        totals = client.execute_sql("select total__amount from invoices")
    assert lines == 2
    assert [t[0] for t in totals] == ["2.00"]
