"""``canonry dev fake-vendor stripe|hubspot``: the loopback fakes of ``plugins.fakes`` as a
server, so the quickstart syncs for real with no vendor account and no network."""

from __future__ import annotations

import json
import shlex
import signal
import threading
from types import FrameType
from typing import TYPE_CHECKING

import typer

from registry.cli._common import ExitCode, fail

if TYPE_CHECKING:
    from plugins.fakes import LoopbackHTTPServer

__all__ = ["app"]

app = typer.Typer(help="Development helpers: offline fakes of the vendor APIs.")


def _serve(vendor: str, port: int, customers: int, invoices: int) -> tuple[LoopbackHTTPServer, str]:
    from plugins.fakes import HubSpotFake, LoopbackHTTPServer, StripeFake
    from registry.cli._fake_data import seed_hubspot, seed_stripe

    try:
        server = LoopbackHTTPServer(port)
    except OSError as exc:
        fail(
            f"cannot listen on 127.0.0.1:{port} ({exc.strerror})",
            "another program may hold the port: choose another with --port",
        )
    if vendor == "stripe":
        stripe = StripeFake().start(server)
        seed_stripe(stripe, customers, invoices)
        return server, stripe.url
    hubspot = HubSpotFake().start(server)
    seed_hubspot(hubspot, customers, invoices)
    return server, hubspot.url


def _instructions(vendor: str, url: str, customers: int, invoices: int) -> list[str]:
    from registry.cli._fake_data import reach_settings

    reach = reach_settings(vendor, url)
    stream = "customers" if vendor == "stripe" else "contacts"
    env = [f"  export {k}={shlex.quote(v)}" for k, v in reach.environment.items()]
    config = f" --config {shlex.quote(reach.config_json())}" if reach.config else ""
    creds = shlex.quote(json.dumps(reach.credentials))
    return [
        f"fake {vendor} API at {url}: {customers} customers, {invoices} invoices "
        "(Ctrl-C stops it; its data lives in memory)",
        "in another terminal, in your project folder (after `canonry init`; the export "
        "also where `canonry serve` runs):",
        *env,
        f"  canonry connections add demo-{vendor} --adapter {vendor}{config}",
        f"  canonry credentials set demo-{vendor} --stdin <<< {creds}",
        f"  canonry sync demo-{vendor} {stream} --out {stream}.jsonl",
    ]


def _wait_for_stop() -> None:
    stop = threading.Event()

    def handle(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    stop.wait()


@app.command("fake-vendor")
def fake_vendor(
    vendor: str = typer.Argument(..., help="stripe or hubspot."),
    port: int = typer.Option(12111, "--port", min=0, max=65535, help="Port on 127.0.0.1."),
    customers: int = typer.Option(250, "--customers", min=0, max=100_000, help="How many."),
    invoices: int = typer.Option(100, "--invoices", min=0, max=100_000, help="How many."),
) -> None:
    """Serve a fake Stripe or HubSpot API on 127.0.0.1 until Ctrl-C (or SIGTERM).

    Built on real vendor objects and their wire format (pagination, events, search), the
    fakes the test suite uses; prints the settings a connection needs to reach it.
    """
    from registry.cli._fake_data import VENDORS

    if vendor not in VENDORS:
        fail(f"no fake for {vendor!r}", f"choose one of: {', '.join(VENDORS)}", ExitCode.USAGE)
    server, url = _serve(vendor, port, customers, invoices)
    for line in _instructions(vendor, url, customers, invoices):
        typer.echo(line)
    try:
        _wait_for_stop()
    finally:
        server.close()
        typer.echo(f"fake {vendor} API stopped")
