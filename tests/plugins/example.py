"""Install the example plugin (examples/canonry-acme) for the tests: into a directory of
the test run (``pip install --target``), never into the running environment.

A directory put on ``sys.path`` (or ``PYTHONPATH``) is where ``importlib.metadata`` finds
the real installed metadata pip wrote (``canonry_acme-0.1.0.dist-info`` with its
``entry_points.txt``), so discovery is proven exactly as for an installed plugin, while
the user's ``canonry adapters list`` never shows ``acme``. Offline and idempotent: pip gets
``--no-index --no-deps --no-build-isolation`` and a copy of the example (so the checkout
gets no build/ or egg-info litter); nothing is installed when the directory already holds
files and entry points matching the source.
"""

from __future__ import annotations

import importlib
import shutil
import sys
import tempfile
import tomllib
from importlib.metadata import Distribution, distributions
from pathlib import Path

from tests.harness import Processes

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "canonry-acme"
DIST = "canonry-acme"
PACKAGE = "canonry_acme"


def install_example(target: Path) -> bool:
    """Make ``target`` hold an install of the current source; True when pip had to run."""
    if installed_matches_source(target):
        return False
    with tempfile.TemporaryDirectory(prefix="canonry-acme-src-") as workdir:
        copy = Path(workdir) / "canonry-acme"
        shutil.copytree(
            EXAMPLE,
            copy,
            ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__", ".pytest_cache"),
        )
        command = [
            sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation",
            "--no-index", "--disable-pip-version-check", "-q", "--upgrade",
            "--target", str(target), str(copy),
        ]  # fmt: skip
        done = Processes().run(command, timeout=300, text=True, cwd=workdir)
    assert done.returncode == 0, f"pip install of the example failed:\n{done.stdout}{done.stderr}"
    importlib.invalidate_caches()
    return True


def installed(path: list[str] | None = None) -> Distribution | None:
    """The ``canonry-acme`` distribution found on ``path`` (default: ``sys.path``)."""
    for dist in distributions(path=path if path is not None else sys.path):
        if (dist.metadata["Name"] or "").lower() == DIST:
            return dist
    return None


def installed_matches_source(target: Path) -> bool:
    dist = installed([str(target)])
    if dist is None:
        return False
    project = tomllib.loads((EXAMPLE / "pyproject.toml").read_text())["project"]
    wanted = project["entry-points"]["canonry.adapters"]
    points = {ep.name: ep.value for ep in dist.entry_points if ep.group == "canonry.adapters"}
    if dist.version != project["version"] or points != wanted:
        return False
    files = {
        str(f): dist.locate_file(f) for f in dist.files or () if str(f).startswith(PACKAGE + "/")
    }
    source = {
        str(p.relative_to(EXAMPLE)): p
        for p in (EXAMPLE / PACKAGE).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    if set(source) - set(files):
        return False
    return all(
        Path(str(files[name])).read_bytes() == path.read_bytes() for name, path in source.items()
    )
