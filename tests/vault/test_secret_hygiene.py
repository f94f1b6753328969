"""No test secret appears in logs, stdout/stderr, reprs, exception text or the database file.

Runs every local-store operation (including failures) and the ``canonry vault`` CLI with
all loggers at DEBUG (SQLAlchemy's engine logger included, which logs SQL parameters),
then scans everything captured for the secrets and for the key-encryption key material.
"""

from __future__ import annotations

import base64
import logging
import traceback
from pathlib import Path

import pytest
from typer.testing import CliRunner

from canonical import CanonryError
from registry.cli import app
from tests.vault.conftest import SECRETS, flip_bit, raw_row, update_row
from vault import (
    LocalCredentialStore,
    LocalKeyring,
    init_local_keyring,
    make_engine,
    retire_key,
    rotate,
)
from vault._keyfile import read_key_file

EXTRA = {"refresh_token": "rt_CANARY_\u00fcber-geheim", "client_secret": "cs-CANARY-42"}


def _needles(key_file: Path) -> list[str]:
    values = [*SECRETS.values(), *EXTRA.values()]
    for key in read_key_file(key_file).keys:
        values.append(base64.urlsafe_b64encode(key.secret).decode().rstrip("="))
    return values


def _failures(store: LocalCredentialStore) -> list[str]:
    """Provoke every error path; return the full text of each (message + traceback)."""
    texts: list[str] = []

    def capture(action: object) -> None:
        try:
            action()  # type: ignore[operator]
        except CanonryError as exc:
            texts.append("".join(traceback.format_exception(exc)))
            texts.append(repr(exc))

    capture(lambda: store.put("acme", "stripe", EXTRA, expected_version=7))
    capture(lambda: store.get("acme", "missing"))
    capture(lambda: store.put("acme", "bad", {"n": 1}))  # type: ignore[dict-item]
    blob = raw_row(store.engine, "acme", "stripe")["ciphertext"]
    assert isinstance(blob, bytes)
    update_row(store.engine, "acme", "stripe", ciphertext=flip_bit(blob, 3))
    capture(lambda: store.get("acme", "stripe"))
    capture(lambda: LocalCredentialStore(store.engine, LocalKeyring.generate()).get("acme", "hub"))
    capture(lambda: retire_key(store, store.wrapper.primary_key_id()))
    return texts


def test_no_secret_escapes_logs_output_reprs_errors_or_the_database(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy")  # restored after the test
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "canonry.db"
    key_file, _ = init_local_keyring(tmp_path / "canonry.keys")
    monkeypatch.setenv("CANONRY_DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("CANONRY_KEY_FILE", str(key_file))
    engine = make_engine(f"sqlite:///{db}")
    store = LocalCredentialStore(engine, LocalKeyring.load(key_file))

    store.put("acme", "stripe", SECRETS)
    store.put("acme", "hub", EXTRA)
    payload, ref = store.get_with_ref("acme", "hub")
    shown = [repr(store), repr(store.wrapper), repr(payload), str(payload), repr(ref)]
    shown += [str(store.list()), str(store.key_usage())]
    print(payload, store.get("acme", "stripe"))
    needles = _needles(key_file)
    report = rotate(store, batch_size=1)
    needles += _needles(key_file)
    shown.append(repr(report))
    retire_key(store, report.retirable[0])
    shown += _failures(store)

    runner = CliRunner()
    for args in (["vault", "status"], ["vault", "rotate"], ["vault", "retire", "nope"]):
        result = runner.invoke(app, args)
        shown += [result.stdout, result.stderr]
    engine.dispose()

    captured = capsys.readouterr()
    haystacks = {
        "logs": caplog.text,
        "stdout": captured.out,
        "stderr": captured.err,
        "shown": "\n".join(shown),
    }
    assert "SELECT" in caplog.text  # SQL logging really was on
    for needle in needles:
        for where, text in haystacks.items():
            assert needle not in text, f"a secret appeared in {where}"
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("canonry.db*"))
    for value in [*SECRETS.values(), *EXTRA.values()]:
        assert value.encode() not in raw
