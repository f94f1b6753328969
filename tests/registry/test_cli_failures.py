"""Every command's failure paths: one line ``error: <what> — <what to do>`` and its exit code.

The commands are enumerated from the Typer app: a new command fails
``test_every_command_is_covered`` until it has cases here. Two kinds of cases:

- ``DATABASE_ARGS``: each command that opens the database is run against a missing SQLite
  file, an empty (not initialised) one, a PostgreSQL database that does not exist (which
  must still not exist afterwards) and a PostgreSQL server nobody listens on;
- ``CASES``: each command's own failures (unknown names, refused credentials, bad input...)
  against an initialised database with a ``billing`` connection to the fake API.

The exit codes are the README's table (registry/cli/_common.py ``ExitCode``).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import typer

from registry.cli import app
from tests.conftest import POSTGRES_URL, _postgres_available
from tests.registry.cli import canonry
from tests.registry.conftest import API_KEY, cli_variables, make_plugin_path
from tests.registry.fake_adapter import FakeAPI


def _leaves(command: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    if not hasattr(command, "commands"):
        return [prefix]
    return [
        leaf for name, sub in command.commands.items() for leaf in _leaves(sub, (*prefix, name))
    ]


COMMANDS = _leaves(typer.main.get_command(app))

DATABASE_ARGS: dict[tuple[str, ...], list[str]] = {
    ("init",): [],
    ("sync", "run"): ["billing", "customers"],
    ("sync", "runs"): [],
    ("schedules", "add"): ["billing", "customers", "--every", "15m"],
    ("schedules", "list"): [],
    ("schedules", "pause"): ["billing", "customers"],
    ("schedules", "resume"): ["billing", "customers"],
    ("schedules", "remove"): ["billing", "customers"],
    ("schedules", "run-now"): ["billing", "customers"],
    ("notify", "add"): ["https://example.com/hooks"],
    ("notify", "list"): [],
    ("notify", "remove"): ["abcdef"],
    ("notify", "test"): ["abcdef"],
    ("notify", "deliveries"): [],
    ("notify", "replay"): ["abcdef"],
    ("audit",): [],
    ("serve",): ["--port", "8000"],
    ("worker",): [],
    ("vault", "status"): [],
    ("vault", "rotate"): [],
    ("vault", "retire"): ["k1"],
    ("db", "upgrade"): [],
    ("db", "current"): [],
    ("connections", "add"): ["x", "--adapter", "fake"],
    ("connections", "list"): [],
    ("connections", "show"): ["billing"],
    ("connections", "update"): ["billing", "--status", "active"],
    ("connections", "test"): ["billing"],
    ("connections", "remove"): ["billing", "--yes"],
    ("credentials", "set"): ["billing", "--stdin"],
    ("credentials", "rotate"): ["billing", "--stdin"],
    ("mapping", "suggest"): ["billing", "Customer"],
    ("mapping", "list"): ["billing"],
    ("mapping", "show"): ["billing", "Customer", "1"],
    ("mapping", "diff"): ["billing", "Customer"],
    ("mapping", "approve"): ["billing", "Customer", "1"],
    ("mapping", "reject"): ["billing", "Customer", "1"],
    ("mapping", "activate"): ["billing", "Customer", "1"],
    ("mapping", "rollback"): ["billing", "Customer"],
    ("webhooks", "send-test"): ["billing", "--event", "invoice.paid"],
    ("webhooks", "list"): [],
    ("webhooks", "show"): ["x"],
    ("webhooks", "replay"): ["x"],
    ("webhooks", "dead-letters"): [],
    ("webhooks", "purge"): ["--older-than", "1d", "--yes"],
    ("credentials", "restore"): ["billing"],
    ("records", "list"): ["customers"],
    ("records", "show"): ["customers", "x"],
    ("records", "count"): ["customers"],
    ("api-keys", "create"): ["--name", "app"],
    ("api-keys", "list"): [],
    ("api-keys", "revoke"): ["x"],
}
CREATES_OR_MIGRATES = {("init",), ("db", "upgrade"), ("db", "current")}
"""These succeed on a missing (init) or an empty database (tests/registry/test_cli_init.py)."""

Prepare = Callable[[pytest.MonkeyPatch, Path], list[str]]


@dataclass(frozen=True)
class Case:
    path: tuple[str, ...]
    args: list[str]
    code: int
    says: str
    input: str | None = '{"api_key": "sk_test_new"}'
    prepare: Prepare | None = field(default=None, compare=False)
    usage: bool = False
    """click's own usage error (``Usage: ... Error: ...``), not the one-line format."""


def _hashicorp(monkeypatch: pytest.MonkeyPatch, _tmp: Path) -> list[str]:
    monkeypatch.setenv("CANONRY_VAULT", "hashicorp")
    return []


def _credentials(api_key: str) -> Prepare:
    def prepare(_mp: pytest.MonkeyPatch, _tmp: Path) -> list[str]:
        assert (
            canonry(
                "credentials", "set", "billing", "--stdin", input=json.dumps({"api_key": api_key})
            )[0]
            == 0
        )
        return []

    return prepare


def _bare_connection(_mp: pytest.MonkeyPatch, _tmp: Path) -> list[str]:
    config = json.dumps({"base_url": "http://127.0.0.1:9"})
    assert canonry("connections", "add", "bare", "--adapter", "fake", "--config", config)[0] == 0
    return []


def _key_file_lost(monkeypatch: pytest.MonkeyPatch, tmp: Path) -> list[str]:
    monkeypatch.setenv("CANONRY_KEY_FILE", str(tmp / "lost.keys"))
    return []


def _no_folder(_mp: pytest.MonkeyPatch, tmp: Path) -> list[str]:
    return ["--database-url", f"sqlite:///{tmp / 'no-such-folder' / 'canonry.db'}"]


def _a_file(_mp: pytest.MonkeyPatch, tmp: Path) -> list[str]:
    (tmp / "a-file").write_text("x")
    return []


@pytest.fixture(scope="module")
def module_api() -> Iterator[FakeAPI]:
    api = FakeAPI(total=250)
    yield api
    api.close()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, module_api: FakeAPI) -> Path:
    """An initialised database with the ``billing`` connection, made once per module."""
    from plugins import load_adapters

    root = tmp_path_factory.mktemp("template")
    plugins = make_plugin_path(tmp_path_factory.mktemp("plugin"))
    with pytest.MonkeyPatch.context() as mp:
        for key, value in cli_variables(root).items():
            mp.setenv(key, value)
        for key in ("CANONRY_MASTER_KEYS", "CANONRY_VAULT_TRANSIT"):
            mp.delenv(key, raising=False)
        mp.syspath_prepend(str(plugins))
        load_adapters(refresh=True)
        assert canonry("init", "--no-gitignore")[0] == 0
        config = json.dumps({"base_url": module_api.url})
        added = canonry(
            "connections", "add", "billing", "--adapter", "fake", "--config", config,
            "--credentials-stdin", input=json.dumps({"api_key": API_KEY}),
        )  # fmt: skip
        assert added[0] == 0, added
    load_adapters(refresh=True)
    return root


@pytest.fixture
def ready(template: Path, bare_cli_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """A copy of the template's database and key file, as the CLI's."""
    for source in template.iterdir():
        shutil.copy2(source, tmp_path / source.name)
    return bare_cli_env


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


CASES = [
    Case(("init",), [], 2, "does not exist", prepare=_no_folder),
    Case(("init",), [], 2, "`canonry init --new-key`", prepare=_key_file_lost),
    Case(("sync", "run"), ["billing", "customers", "--out", "x.jsonl", "--dry-run"], 2, "exclude"),
    Case(("credentials", "restore"), ["nope"], 3, "no connection 'nope'"),
    Case(("sync", "runs"), ["nope"], 3, "no connection 'nope'"),
    Case(("schedules", "add"), ["nope", "customers", "--every", "15m"], 3, "no connection 'nope'"),
    Case(("schedules", "add"), ["billing", "orders", "--every", "15m"], 2, "no stream 'orders'"),
    Case(("schedules", "add"), ["billing", "customers"], 2, "exactly one of --every and --cron"),
    Case(("schedules", "add"), ["billing", "customers", "--every", "banana"], 2, "not a duration"),
    Case(("schedules", "list"), ["--nope"], 2, "No such option", usage=True),
    Case(("schedules", "pause"), ["billing", "customers"], 3, "has no schedule for stream"),
    Case(("schedules", "resume"), ["billing", "customers"], 3, "has no schedule for stream"),
    Case(("schedules", "remove"), ["billing", "customers"], 3, "has no schedule for stream"),
    Case(("schedules", "run-now"), ["billing", "customers"], 3, "has no schedule for stream"),
    Case(("notify", "add"), ["http://example.com/hooks"], 2, "must use https"),
    Case(("notify", "add"), ["https://127.0.0.1/hooks"], 2, "a loopback address"),
    Case(("notify", "list"), ["--nope"], 2, "No such option", usage=True),
    Case(("notify", "remove"), ["nope12"], 3, "no notification endpoint"),
    Case(("notify", "test"), ["nope12"], 3, "no notification endpoint"),
    Case(("notify", "deliveries"), ["--status", "bogus"], 2, "unknown delivery status"),
    Case(("notify", "replay"), ["nope12"], 3, "no single delivery"),
    Case(("credentials", "restore"), ["bare"], 3, "credentials set bare", prepare=_bare_connection),
    Case(("records", "list"), ["orders"], 2, "unknown record model"),
    Case(("records", "list"), ["customers", "--cursor", "x"], 2, "cursor is not valid"),
    Case(("records", "list"), ["customers", "--filter", "status=paid"], 2, "not a filter"),
    Case(("records", "list"), ["customers", "--filter", "status"], 2, "NAME=VALUE"),
    Case(("records", "list"), ["customers", "--connection", "nope"], 3, "no connection 'nope'"),
    Case(("records", "show"), ["customers", "nope"], 3, "no customer record 'nope'"),
    Case(("records", "count"), ["orders"], 2, "unknown record model"),
    Case(("records", "count"), ["invoices", "--filter", "issued_after=yesterday"], 2, "time zone"),
    Case(("api-keys", "create"), ["--name", " "], 2, "needs a name"),
    Case(("api-keys", "create"), ["--name", "x", "--scope", "admin"], 2, "unknown scope"),
    Case(("api-keys", "list"), ["--tenant-typo"], 2, "No such option", usage=True),
    Case(("api-keys", "revoke"), ["nope"], 3, "no API key 'nope'"),
    Case(("sync", "run"), ["nope", "customers"], 3, "no connection 'nope'"),
    Case(("sync", "run"), ["billing", "orders"], 2, "no stream 'orders'"),
    Case(
        ("sync", "run"),
        ["billing", "customers"],
        4,
        "set new credentials",
        prepare=_credentials("revoked"),
    ),
    Case(
        ("sync", "run"),
        ["bare", "customers"],
        3,
        "`canonry credentials set bare`",
        prepare=_bare_connection,
    ),
    Case(("audit",), ["--limit", "0"], 2, "--limit", usage=True),
    Case(("serve",), ["--port", "{port}"], 1, "in use by another program"),  # the taken_port
    Case(("worker",), ["--handlers", "no_such_handlers_xyz"], 2, "cannot import handler module"),
    Case(("schema", "export"), ["--dir", "{tmp}/a-file"], 2, "error: ", prepare=_a_file),
    Case(("schema", "diff"), ["{tmp}/old", "{tmp}/new"], 2, "does not exist"),
    Case(("vault", "status"), [], 2, "CANONRY_VAULT selects 'hashicorp'", prepare=_hashicorp),
    Case(("vault", "rotate"), [], 2, "CANONRY_VAULT selects 'hashicorp'", prepare=_hashicorp),
    Case(("vault", "retire"), ["nope"], 2, "'nope' is not in the keyring"),
    Case(("db", "upgrade"), ["--revision", "nope"], 2, "cannot migrate to revision 'nope'"),
    Case(("db", "current"), ["--bogus"], 2, "--bogus", usage=True),
    Case(("adapters", "list"), ["--bogus"], 2, "--bogus", usage=True),
    Case(("adapters", "show"), ["nope"], 2, "no adapter 'nope' is installed"),
    Case(("connections", "add"), ["x", "--adapter", "nope"], 2, "no adapter 'nope' is installed"),
    Case(
        ("connections", "add"),
        ["billing", "--adapter", "fake", "--config", '{"base_url": "http://127.0.0.1:9"}'],
        2,
        "already exists",
    ),
    Case(("connections", "list"), ["--bogus"], 2, "--bogus", usage=True),
    Case(("connections", "show"), ["nope"], 3, "no connection 'nope' in tenant 'acme'"),
    Case(("connections", "update"), ["billing", "--status", "sleeping"], 2, "unknown status"),
    Case(("connections", "test"), ["nope"], 3, "no connection 'nope'"),
    Case(("connections", "test"), ["billing"], 4, "refused the key", prepare=_credentials("wrong")),
    Case(("connections", "test"), ["billing"], 4, "revoked", prepare=_credentials("revoked")),
    Case(
        ("connections", "test"),
        ["bare"],
        3,
        "`canonry credentials set bare`",
        prepare=_bare_connection,
    ),
    Case(("connections", "remove"), ["nope", "--yes"], 3, "no connection 'nope'"),
    Case(("credentials", "set"), ["billing"], 2, "with --stdin", input=None),
    Case(("credentials", "set"), ["nope", "--stdin"], 3, "no connection 'nope'"),
    Case(("credentials", "set"), ["billing", "--stdin"], 2, "must be a JSON object", input="[1]"),
    Case(("credentials", "rotate"), ["nope", "--stdin"], 3, "no connection 'nope'"),
    Case(
        ("credentials", "rotate"),
        ["bare", "--stdin"],
        3,
        "no credential to rotate",
        prepare=_bare_connection,
    ),
    Case(("mapping", "suggest"), ["billing", "Invoice"], 2, "produces no 'Invoice'"),
    Case(("mapping", "list"), ["nope"], 3, "no connection 'nope'"),
    Case(("mapping", "show"), ["billing", "Customer", "9"], 3, "`canonry mapping list`"),
    Case(("mapping", "diff"), ["billing", "Customer"], 3, "no Customer mapping versions"),
    Case(
        ("mapping", "approve"),
        ["billing", "Customer", "9"],
        3,
        "`canonry mapping list billing Customer`",
    ),
    Case(
        ("mapping", "reject"),
        ["billing", "Customer", "9"],
        3,
        "`canonry mapping list billing Customer`",
    ),
    Case(
        ("mapping", "activate"),
        ["billing", "Customer", "9"],
        3,
        "`canonry mapping list billing Customer`",
    ),
    Case(("mapping", "rollback"), ["billing", "Customer"], 2, "no active Customer mapping"),
    Case(
        ("webhooks", "send-test"),
        ["billing", "--event", "invoice.paid"],
        2,
        "no built-in webhook scheme",
    ),
    Case(("webhooks", "send-test"), ["nope", "--event", "invoice.paid"], 3, "no connection 'nope'"),
    Case(("webhooks", "list"), ["--status", "nope"], 2, "unknown status 'nope'"),
    Case(("webhooks", "show"), ["nope"], 3, "no webhook item 'nope'"),
    Case(("webhooks", "replay"), ["nope"], 3, "no webhook item 'nope'"),
    Case(("webhooks", "dead-letters"), ["--connection", "nope"], 3, "no connection 'nope'"),
    Case(
        ("webhooks", "purge"),
        ["--older-than", "1d", "--status", "received", "--yes"],
        2,
        "cannot be purged",
    ),
    Case(("webhooks", "purge"), ["--older-than", "yesterday", "--yes"], 2, "cannot read the age"),
    Case(("dev", "fake-vendor"), ["acme"], 2, "no fake for 'acme'"),
    Case(("dev", "fake-vendor"), ["stripe", "--port", "{port}"], 1, "choose another with --port"),
]


def assert_one_line(code: int, out: str, err: str, expected: int, says: str) -> None:
    assert code == expected, (out, err)
    assert "Traceback" not in out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    assert " — " in lines[0]
    assert says in lines[0]


def test_every_command_is_covered() -> None:
    own = {case.path for case in CASES}
    missing = [" ".join(p) for p in COMMANDS if p not in own]
    assert missing == [], f"commands without failure cases in CASES: {missing}"
    stale = [" ".join(p) for p in set(DATABASE_ARGS) | own if p not in COMMANDS]
    assert stale == []
    without_database = {("schema", "export"), ("schema", "diff"), ("adapters", "list")}
    without_database |= {("adapters", "show"), ("dev", "fake-vendor")}
    assert set(COMMANDS) - set(DATABASE_ARGS) == without_database


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{' '.join(c.path)}:{c.code}:{c.says[:30]}")
def test_command_failure(
    case: Case,
    ready: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    taken_port: int,
) -> None:
    monkeypatch.setattr("registry.cli._credentials._interactive", lambda: False)
    front = case.prepare(monkeypatch, tmp_path) if case.prepare else []
    args = [a.replace("{tmp}", str(tmp_path)).replace("{port}", str(taken_port)) for a in case.args]
    code, out, err = canonry(*front, *case.path, *args, input=case.input)
    if case.usage:
        assert code == 2
        assert case.says in out + err
        return
    assert_one_line(code, out, err, case.code, case.says)


DATABASE_COMMANDS = sorted(DATABASE_ARGS)


def run_against(url: str, path: tuple[str, ...]) -> tuple[int, str, str]:
    return canonry("--database-url", url, *path, *DATABASE_ARGS[path], input="{}")


@pytest.mark.parametrize("path", [p for p in DATABASE_COMMANDS if p != ("init",)], ids=" ".join)
def test_missing_sqlite_database(
    path: tuple[str, ...], bare_cli_env: dict[str, str], tmp_path: Path
) -> None:
    database = tmp_path / "absent.db"
    code, out, err = run_against(f"sqlite:///{database}", path)
    assert_one_line(code, out, err, 2, f"no database at {database}")
    assert not database.exists()


@pytest.mark.parametrize(
    "path", [p for p in DATABASE_COMMANDS if p not in CREATES_OR_MIGRATES], ids=" ".join
)
def test_database_not_initialised(
    path: tuple[str, ...], bare_cli_env: dict[str, str], tmp_path: Path
) -> None:
    database = tmp_path / "empty.db"
    database.touch()
    code, out, err = run_against(f"sqlite:///{database}", path)
    assert_one_line(code, out, err, 2, "is not initialised")
    assert "canonry init" in err
    engine = sa.create_engine(f"sqlite:///{database}")
    assert sa.inspect(engine).get_table_names() == []  # nothing was created in it
    engine.dispose()


@pytest.fixture
def missing_postgres_url() -> Iterator[str]:
    reason = _postgres_available()
    if reason:
        pytest.skip(reason)
    name = f"canonry_typo_{uuid.uuid4().hex[:8]}"
    yield sa.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(
            sa.text("select 1 from pg_database where datname = :n"), {"n": name}
        ).first()
        if exists:
            conn.execute(sa.text(f'drop database "{name}"'))
    admin.dispose()
    assert exists is None, f"the command created the database {name}"


@pytest.mark.postgres
@pytest.mark.parametrize("path", DATABASE_COMMANDS, ids=" ".join)
def test_missing_postgres_database_is_never_created(
    path: tuple[str, ...], bare_cli_env: dict[str, str], missing_postgres_url: str
) -> None:
    name = sa.make_url(missing_postgres_url).database
    code, out, err = run_against(missing_postgres_url, path)
    assert_one_line(code, out, err, 2, f"the PostgreSQL database '{name}' does not exist")
    assert "never creates databases" in err


@pytest.mark.parametrize("path", DATABASE_COMMANDS, ids=" ".join)
def test_unreachable_database_server(path: tuple[str, ...], bare_cli_env: dict[str, str]) -> None:
    with socket.socket() as sock:  # a port nobody listens on: bound, never listening
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        code, out, err = run_against(f"postgresql://postgres@127.0.0.1:{port}/test", path)
    assert_one_line(
        code,
        out,
        err,
        1,
        f"cannot reach the database postgresql+psycopg://postgres@127.0.0.1:{port}/test",
    )


@pytest.mark.parametrize(
    "path", [p for p in DATABASE_COMMANDS if p not in CREATES_OR_MIGRATES], ids=" ".join
)
def test_database_behind_this_canonry(
    path: tuple[str, ...], bare_cli_env: dict[str, str], tmp_path: Path
) -> None:
    from registry import create_engine, upgrade

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    upgrade(engine, "0001")
    engine.dispose()
    code, out, err = run_against(url, path)
    assert_one_line(code, out, err, 2, "the database schema is at revision 0001")
    assert "canonry db upgrade" in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders anyway")
@pytest.mark.parametrize("path", [p for p in DATABASE_COMMANDS if p != ("init",)], ids=" ".join)
def test_database_in_a_read_only_folder(
    path: tuple[str, ...], ready: dict[str, str], tmp_path: Path
) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    shutil.copy2(tmp_path / "canonry.db", folder / "canonry.db")
    folder.chmod(0o500)
    try:
        code, out, err = run_against(f"sqlite:///{folder / 'canonry.db'}", path)
    finally:
        folder.chmod(0o700)
    assert_one_line(code, out, err, 2, f"the folder of the database {folder / 'canonry.db'}")


def test_a_prompt_without_a_terminal_says_use_stdin(ready: dict[str, str]) -> None:
    """A real process with no terminal: no getpass echo warning, one line, exit 2."""
    done = subprocess.run(
        [sys.executable, "-m", "registry.cli", "credentials", "set", "billing"],
        env=ready, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
        check=False,
    )  # fmt: skip
    assert_one_line(done.returncode, done.stdout, done.stderr, 2, "with --stdin")
    assert "echo" not in done.stderr.lower()
