"""Start-up stays light: commands import only what they use (timings: benchmarks/cli_startup.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

_PROBE = """
import json, sys
sys.argv = ["canonry", *json.loads(sys.argv[1])]
from registry.cli import main
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})), file=sys.stderr)
"""

HEAVY = {"dbos", "psycopg", "stripe", "hubspot", "alembic", "uvicorn", "hvac"}


def imported(env: dict[str, str], *args: str) -> set[str]:
    """The top-level packages a ``canonry ARGS`` process imported."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(list(args))],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


@pytest.mark.parametrize(
    ("args", "forbidden"),
    [
        (["--help"], HEAVY | {"sqlalchemy", "pydantic", "canonical", "sqlmodel"}),
        # typer itself converts a command's parameters with pydantic
        (["sync", "--help"], HEAVY | {"sqlalchemy", "canonical"}),
        (["webhooks", "list"], HEAVY),
        (["connections", "list"], HEAVY),
        # loading the plugins imports the adapters (and their SDKs): that is what it checks
        (["adapters", "list"], HEAVY - {"stripe", "hubspot"} | {"sqlalchemy"}),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else "",
)
def test_commands_import_only_what_they_use(
    initialised: dict[str, str], tmp_path: Path, args: list[str], forbidden: set[str]
) -> None:
    found = imported(initialised, *args)
    assert "typer" in found  # the probe ran the CLI
    assert found & forbidden == set()


def test_listing_a_waiting_item_imports_no_dbos(initialised: dict[str, str]) -> None:
    """An item still ``received`` is checked against DBOS's tables by plain SQL."""
    from datetime import UTC, datetime

    from registry import Registry, create_engine
    from webhooks import NewInboxItem, insert_items

    url = initialised["CANONRY_DATABASE_URL"]
    with Registry(url, tenant="default", credentials=None) as registry:
        conn_id = registry.add_connection("shop", "stripe").id
    engine = create_engine(url)
    now = datetime.now(UTC)
    waiting = NewInboxItem(tenant="default", connection_id=conn_id, adapter="stripe",
                           vendor_event_id="evt_wait", vendor_event_type="invoice.paid",
                           object_type="invoice", object_id="in_1", occurred_at=now,
                           body=b"{}")  # fmt: skip
    with engine.begin() as conn:
        insert_items(conn, [waiting])
    engine.dispose()
    found = imported(initialised, "webhooks", "list")
    assert "typer" in found
    assert found & HEAVY == set()
