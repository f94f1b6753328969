"""``canonry schema export`` and ``canonry schema diff [--check]``."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from canonical import SCHEMA_VERSION, current_schemas, dump_schema
from registry.cli import app

runner = CliRunner()

Edit = Callable[[dict[str, dict[str, Any]]], None]


def _write(directory: Path, edit: Edit | None = None) -> Path:
    schemas = current_schemas()
    if edit is not None:
        edit(schemas)
    directory.mkdir(parents=True)
    for name, schema in schemas.items():
        (directory / f"{name}.json").write_text(dump_schema(schema))
    return directory


def _add_optional(schemas: dict[str, dict[str, Any]]) -> None:
    schemas["Customer"]["properties"]["nickname"] = {"type": "string", "default": ""}


def _retarget_lines(schemas: dict[str, dict[str, Any]]) -> None:
    schemas["Invoice"]["properties"]["lines"]["items"] = {"$ref": "#/$defs/Money"}


def test_export_defaults_to_schemas_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["schema", "export"])
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in (tmp_path / "schemas" / SCHEMA_VERSION).iterdir())
    assert written == ["Customer.json", "Event.json", "Invoice.json"]
    assert f"canonical schema {SCHEMA_VERSION}" in result.output
    for model in ("Customer", "Invoice", "Event"):
        assert model in result.output
    assert f"schemas/{SCHEMA_VERSION}/Customer.json" in result.output


def test_export_to_a_chosen_directory_matches_the_package_data(tmp_path: Path) -> None:
    result = runner.invoke(app, ["schema", "export", "--dir", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    exported = tmp_path / "out" / SCHEMA_VERSION / "Invoice.json"
    assert json.loads(exported.read_text()) == current_schemas()["Invoice"]


def test_export_failure_is_a_clear_usage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = runner.invoke(app, ["schema", "export", "--dir", str(blocker)])
    assert result.exit_code == 2
    assert "error: cannot write schemas" in result.stderr
    assert "Traceback" not in result.output


def test_diff_identical(tmp_path: Path) -> None:
    old = _write(tmp_path / "1.0.0")
    new = _write(tmp_path / "new" / "1.0.0")
    result = runner.invoke(app, ["schema", "diff", str(old), str(new), "--check"])
    assert result.exit_code == 0, result.output
    assert "1.0.0 -> 1.0.0: none" in result.stdout
    assert "fits the change" in result.stdout


def test_diff_minor_change_with_a_minor_bump(tmp_path: Path) -> None:
    old = _write(tmp_path / "1.0.0")
    new = _write(tmp_path / "1.1.0", _add_optional)
    result = runner.invoke(app, ["schema", "diff", str(old), str(new), "--check"])
    assert result.exit_code == 0, result.output
    assert "1.0.0 -> 1.1.0: minor" in result.stdout
    assert "minor: Customer.nickname: optional property added" in result.stdout


def test_diff_check_fails_when_the_bump_is_too_small(tmp_path: Path) -> None:
    old = _write(tmp_path / "1.0.0")
    new = _write(tmp_path / "1.0.1", _add_optional)
    plain = runner.invoke(app, ["schema", "diff", str(old), str(new)])
    assert plain.exit_code == 0
    checked = runner.invoke(app, ["schema", "diff", str(old), str(new), "--check"])
    assert checked.exit_code == 1
    assert "1.0.0 -> 1.0.1: minor" in checked.stdout
    assert "expected 1.1.0" in checked.stderr
    assert "canonry schema export --dir canonical/schemas" in checked.stderr


def test_diff_prints_paths_with_brackets_literally(tmp_path: Path) -> None:
    old = _write(tmp_path / "1.0.0")
    new = _write(tmp_path / "2.0.0", _retarget_lines)
    result = runner.invoke(app, ["schema", "diff", str(old), str(new), "--check"])
    assert result.exit_code == 0, result.output
    assert "1.0.0 -> 2.0.0: major" in result.stdout
    assert "major: Invoice.lines[].description: property removed" in result.stdout


def test_diff_usage_errors(tmp_path: Path) -> None:
    old = _write(tmp_path / "1.0.0")
    missing = runner.invoke(app, ["schema", "diff", str(old), str(tmp_path / "nope")])
    assert missing.exit_code == 2
    assert "does not exist" in missing.stderr
    unnamed = _write(tmp_path / "latest")
    bad_name = runner.invoke(app, ["schema", "diff", str(old), str(unnamed), "--check"])
    assert bad_name.exit_code == 2
    assert "'latest' is not MAJOR.MINOR.PATCH" in bad_name.stderr


@pytest.mark.slow
def test_as_a_real_process(tmp_path: Path) -> None:
    def canonry(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "registry.cli", "schema", *args],
            capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path,
        )  # fmt: skip

    exported = canonry("export", "--dir", "out")
    assert exported.returncode == 0, exported.stderr
    assert (tmp_path / "out" / SCHEMA_VERSION / "Event.json").is_file()
    bumped = tmp_path / "out" / "1.0.1"
    shutil.copytree(tmp_path / "out" / SCHEMA_VERSION, bumped)
    customer = json.loads((bumped / "Customer.json").read_text())
    del customer["properties"]["email"]
    (bumped / "Customer.json").write_text(dump_schema(customer))
    checked = canonry("diff", f"out/{SCHEMA_VERSION}", "out/1.0.1", "--check")
    assert checked.returncode == 1
    assert "major: Customer.email: property removed" in checked.stdout
    assert "expected 2.0.0" in checked.stderr
