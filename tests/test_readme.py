"""README.md's code blocks run as written: a new user's session, offline, against the fakes.

Conventions for README authors (follow them when you add a block):

- Fenced blocks tagged ``python``, ``bash``/``sh``/``shell`` and ``console`` (only its ``$ ``
  lines) are run; ``yaml`` blocks with a top-level ``model:`` are loaded and compiled with
  ``mapping.Mapping.load``. Other tags (``toml``, ``text``, none) are not run: tag a synopsis
  (placeholders such as ``CONNECTION``, ``[--optional]`` parts) ``text``, it is not a script.
- Every block runs in document order in ONE fresh temporary folder, the user's project folder:
  ``.venv`` there is the virtualenv running the tests (so ``.venv/bin/canonry`` works) and its
  ``bin`` is first on PATH (so does ``canonry``); ``CANONRY_*`` and ``VAULT_*`` variables are
  cleared, so the defaults apply (``sqlite:///canonry.db`` in that folder, ``canonry.keys``
  beside it); what one block leaves (database, files, connections) the next one sees. Pick
  names that do not clash with earlier blocks (a second ``connections add shop`` fails).
  A shell block's top-level ``export NAME=value`` lines stay in effect for the blocks after
  it (servers included), as in the user's terminal.
- Shell blocks run with ``bash -euo pipefail``: every command must succeed. Python blocks run
  as ``python -`` scripts; the example plugin (``examples/canonry-acme``) is importable, as
  after ``pip install -e examples/canonry-acme``. Each block must finish within 180 s.
- Servers: put ``<!-- readme-test: background port=N -->`` on the line before the block
  (one command, e.g. ``canonry serve --port 8000`` or ``canonry dev fake-vendor stripe --port
  12111``). It is started in the background, the next block runs once 127.0.0.1:N accepts
  connections, and it is stopped (SIGTERM, then SIGKILL) when the document is done.
- Ports: 8000 and 12111, wherever they appear in a block, are replaced by free ports (other
  runs on the machine may hold them); use those two for servers and the URLs that reach them.
- Skips: ``<!-- readme-test: skip (why) -->`` on the line before the block, with the reason
  (required). Keep them rare: for blocks that install software, need a real Vault or vendor
  host, or describe a procedure with manual steps. Everything else runs.
"""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.harness import Processes

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
RUN = {"python", "bash", "sh", "shell", "console"}
PORTS = (8000, 9000, 12111)
_FENCE = re.compile(r"^(?P<indent>\s*)```(?P<lang>[\w-]*)\s*$")
_MARK = re.compile(r"^\s*<!--\s*readme-test:\s*(?P<what>skip|background)\b(?P<rest>.*?)-->\s*$")
_TIMEOUT = 180


@dataclass(frozen=True)
class Block:
    line: int
    lang: str
    code: str
    mark: str | None = None
    """None, "skip" or "background"."""
    arg: str = ""
    """The skip's reason, or the background's ``port=N``."""

    @property
    def where(self) -> str:
        return f"README.md:{self.line} ({self.lang})"


def _marker(lines: list[str], fence: int) -> tuple[str | None, str]:
    before = fence - 1
    while before >= 0 and not lines[before].strip():
        before -= 1
    found = _MARK.match(lines[before]) if before >= 0 else None
    if found is None:
        return None, ""
    return found["what"], found["rest"].strip()


def blocks(text: str) -> list[Block]:
    """Every fenced block of ``text`` with its tag, first line number and marker."""
    lines, found, i = text.splitlines(), [], 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if opening is None or not opening["lang"]:
            i += 1 if opening is None else _skip_fence(lines, i, opening["indent"])
            continue
        end = _skip_fence(lines, i, opening["indent"]) + i - 1
        body = textwrap.dedent("\n".join(lines[i + 1 : end]))
        mark, arg = _marker(lines, i)
        found.append(Block(i + 1, opening["lang"], body + "\n", mark, arg))
        i = end + 1
    return found


def _skip_fence(lines: list[str], start: int, indent: str) -> int:
    """How many lines the fence opened at ``start`` spans, closing fence included."""
    for j in range(start + 1, len(lines)):
        if lines[j].strip() == "```" and lines[j].startswith(indent):
            return j - start + 1
    raise AssertionError(f"README.md:{start + 1}: the fence is never closed")


README_BLOCKS = blocks(README.read_text(encoding="utf-8"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Session:
    """The user's project folder, their environment, and the servers started so far."""

    folder: Path
    env: dict[str, str]
    ports: dict[int, int]
    servers: Processes

    def text(self, block: Block) -> str:
        code = block.code
        for readme_port, port in self.ports.items():
            code = re.sub(rf"\b{readme_port}\b", str(port), code)
        return code


@pytest.fixture
def session(tmp_path: Path, processes: Processes) -> Session:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    (folder / "examples").symlink_to(REPO / "examples", target_is_directory=True)  # as in a clone
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CANONRY_", "VAULT_"))}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "examples" / "canonry-acme"), str(REPO)])
    env["COLUMNS"] = "200"  # rich tables: no wrapping of the values blocks print
    env["DLT_DATA_DIR"] = str(folder / ".dlt-data")  # dlt keeps its state in the folder,
    env["DLT_PROJECT_DIR"] = str(folder)  # not in the user's home
    env["RUNTIME__DLTHUB_TELEMETRY"] = "false"
    return Session(folder, env, {p: _free_port() for p in PORTS}, processes)


def _wait_for_port(port: int, server: subprocess.Popen[bytes], where: str) -> None:
    deadline = time.monotonic() + _TIMEOUT
    while time.monotonic() < deadline:
        assert server.poll() is None, f"{where}: the server exited with {server.returncode}"
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"{where}: nothing listens on port {port} after {_TIMEOUT} s")


def _background(session: Session, block: Block) -> None:
    found = re.fullmatch(r"port=(\d+)", block.arg)
    assert found, f"{block.where}: a background block needs port=N"
    port = session.ports.get(int(found[1]), int(found[1]))
    command = session.text(block).strip()
    server = session.servers.start(
        ["bash", "-c", command], cwd=session.folder, env=session.env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    _wait_for_port(port, server, block.where)


def _command(session: Session, block: Block) -> list[str]:
    if block.lang == "python":
        return [sys.executable, "-"]
    code = session.text(block)
    if block.lang == "console":
        code = "\n".join(line[2:] for line in code.splitlines() if line.startswith("$ "))
    return ["bash", "-euo", "pipefail", "-c", code]


def _exports(session: Session, block: Block) -> None:
    """Keep what the block's top-level ``export NAME=value ...`` lines set, for later blocks."""
    for line in session.text(block).splitlines():
        if line.startswith("export "):
            for word in shlex.split(line, comments=True)[1:]:
                name, sep, value = word.partition("=")
                assert sep, f"{block.where}: write `export NAME=value`, got {word!r}"
                session.env[name] = value


def _run(session: Session, block: Block) -> None:
    if block.mark == "background":
        _background(session, block)
        return
    stdin = session.text(block) if block.lang == "python" else None
    done = subprocess.run(
        _command(session, block), cwd=session.folder, env=session.env, input=stdin,
        capture_output=True, text=True, timeout=_TIMEOUT, check=False,
    )  # fmt: skip
    assert done.returncode == 0, (
        f"{block.where} exited with {done.returncode}\n--- block\n{block.code}"
        f"--- stdout\n{done.stdout[-3000:]}\n--- stderr\n{done.stderr[-3000:]}"
    )
    if block.lang != "python":
        _exports(session, block)


def test_blocks_are_found_and_every_skip_says_why() -> None:
    runnable = [b for b in README_BLOCKS if b.lang in RUN]
    assert len(runnable) >= 15
    for block in README_BLOCKS:
        if block.mark == "skip":
            assert block.arg.startswith("("), f"{block.where}: say why, in parentheses"
            assert len(block.arg) > 10, f"{block.where}: say why"
    skipped = [b.where for b in runnable if b.mark == "skip"]
    # today: 3 install/run-the-suite blocks, a release procedure, a real Vault, a real vendor
    # host, a reference list of long-running commands; a new skip needs as good a reason
    assert len(skipped) <= 7, f"keep skips rare: {skipped}"


@pytest.mark.parametrize(
    "block",
    [b for b in README_BLOCKS if b.lang == "yaml" and re.search(r"^model:", b.code, re.M)],
    ids=lambda b: b.where,
)
def test_yaml_mappings_load(block: Block, tmp_path: Path) -> None:
    from mapping import Mapping

    path = tmp_path / "mapping.yaml"
    path.write_text(block.code)
    Mapping.load(path).compile()


@pytest.mark.slow
def test_readme_runs_as_written(session: Session) -> None:
    """Every runnable block, in order, in one project folder (see the module docstring)."""
    ran = 0
    for block in README_BLOCKS:
        if block.lang not in RUN or block.mark == "skip":
            continue
        _run(session, block)
        ran += 1
    assert ran >= 10
