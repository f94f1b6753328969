"""Install the example plugin (examples/canonry-acme) into the running environment.

Offline and idempotent: pip gets ``--no-index --no-deps --no-build-isolation`` and a
copy of the example (so the checkout gets no build/ or egg-info litter), and nothing is
installed when the installed files and entry points already match the source.
"""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "canonry-acme"
DIST = "canonry-acme"
PACKAGE = "canonry_acme"


def install_example(workdir: Path) -> bool:
    """Make the installed ``canonry-acme`` match the source; True when pip had to run."""
    if installed_matches_source():
        return False
    copy = workdir / "canonry-acme"
    shutil.copytree(
        EXAMPLE,
        copy,
        ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__", ".pytest_cache"),
    )
    command = [
        sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation",
        "--no-index", "--disable-pip-version-check", "-q", str(copy),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, f"pip install of the example failed:\n{done.stdout}{done.stderr}"
    importlib.invalidate_caches()
    return True


def installed_matches_source() -> bool:
    try:
        dist = distribution(DIST)
    except PackageNotFoundError:
        return False
    project = tomllib.loads((EXAMPLE / "pyproject.toml").read_text())["project"]
    wanted = project["entry-points"]["canonry.adapters"]
    points = {ep.name: ep.value for ep in dist.entry_points if ep.group == "canonry.adapters"}
    if dist.version != project["version"] or points != wanted:
        return False
    installed = {
        str(f): dist.locate_file(f) for f in dist.files or () if str(f).startswith(PACKAGE + "/")
    }
    source = {
        str(p.relative_to(EXAMPLE)): p
        for p in (EXAMPLE / PACKAGE).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    if set(source) - set(installed):
        return False
    return all(
        Path(str(installed[name])).read_bytes() == path.read_bytes()
        for name, path in source.items()
    )
