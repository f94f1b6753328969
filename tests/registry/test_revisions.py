"""registry._revisions answers as Alembic does (it reads the same scripts and table)."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from registry import create_engine, current_revision, head_revision, upgrade
from registry._revisions import SCRIPTS, VERSION_TABLE


def test_head_is_alembics_head() -> None:
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    assert head_revision() == ScriptDirectory.from_config(config).get_current_head()


@pytest.mark.parametrize("revision", [None, "0001", "head"])
def test_current_is_alembics_current(tmp_path: Path, revision: str | None) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'r.db'}")
    if revision is not None:
        upgrade(engine, revision)
    with engine.connect() as conn:
        expected = MigrationContext.configure(
            conn, opts={"version_table": VERSION_TABLE}
        ).get_current_revision()
    assert current_revision(engine) == expected
    engine.dispose()
