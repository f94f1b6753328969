"""Statement parameters (webhook bodies, personal data) never reach SQLAlchemy's logs or
error messages, even when a user turns SQL logging on."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import sqlalchemy as sa

from registry import create_engine

CANARY = "CANARY-pii-ada@example.com-4242"


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hygiene.db'}"
    value: str = request.getfixturevalue("postgres_url")
    return value


def test_parameters_stay_out_of_sql_logs_and_errors(
    url: str, caplog: pytest.LogCaptureFixture
) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("create table hygiene (k varchar(100) primary key, n integer)"))
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")
    insert = sa.text("insert into hygiene (k, n) values (:k, :n)")
    with engine.begin() as conn:
        conn.execute(insert, {"k": CANARY, "n": 1})
    with pytest.raises(sa.exc.IntegrityError) as info, engine.begin() as conn:
        conn.execute(insert, {"k": CANARY, "n": 2})
    engine.dispose()

    assert "insert into hygiene" in caplog.text  # the statements are logged ...
    assert CANARY not in caplog.text  # ... their parameters are not
    assert "[SQL parameters hidden due to hide_parameters=True]" in str(info.value)
    # PostgreSQL's own DETAIL line quotes the key; Canonry's errors keep only the first line
    assert CANARY not in str(info.value).partition("DETAIL")[0]
