"""CLI start-up: median wall and CPU time of `canonry --help`, `adapters list`, `webhooks list`
next to `python -c pass`, for this checkout and (optionally) an older commit, in one run.

    python benchmarks/cli_startup.py                  # this checkout
    python benchmarks/cli_startup.py --before 8d113bc # and that commit (git archive), interleaved

Each tree runs as ``python -m registry.cli`` with the tree first on PYTHONPATH, in its own
initialised project folder (``canonry init``: SQLite, empty inbox), with the same venv. Runs
are interleaved (a round runs every command of every tree once), 10 rounds by default, after
one warm-up round; the table shows medians of wall time and of CPU (user + system).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
COMMANDS: list[tuple[str, list[str]]] = [
    ("python -c pass", ["-c", "pass"]),
    ("canonry --help", ["-m", "registry.cli", "--help"]),
    ("canonry adapters list", ["-m", "registry.cli", "adapters", "list"]),
    ("canonry webhooks list", ["-m", "registry.cli", "webhooks", "list"]),
]


def _env(tree: Path, folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CANONRY_", "VAULT_"))}
    env["PYTHONPATH"] = str(tree)
    env["CANONRY_DATABASE_URL"] = f"sqlite:///{folder / 'canonry.db'}"
    env["CANONRY_KEY_FILE"] = str(folder / "canonry.keys")
    return env


def _project(tree: Path, root: Path, label: str) -> tuple[dict[str, str], Path]:
    folder = root / label
    folder.mkdir()
    env = _env(tree, folder)
    subprocess.run(
        [sys.executable, "-m", "registry.cli", "init"],
        cwd=folder, env=env, check=True, capture_output=True,
    )  # fmt: skip
    return env, folder


def _once(args: list[str], env: dict[str, str], folder: Path) -> tuple[float, float]:
    """One run in the project folder (``-m`` puts the working directory first on sys.path:
    it must not be a checkout)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, *args], env=env, cwd=folder, check=True, capture_output=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _export(rev: str, root: Path) -> Path:
    tree = root / f"tree-{rev}"
    tree.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", rev], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


def measure(
    trees: dict[str, Path], rounds: int
) -> dict[tuple[str, str], list[tuple[float, float]]]:
    results: dict[tuple[str, str], list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        envs = {label: _project(tree, Path(tmp), label) for label, tree in trees.items()}
        for round_ in range(rounds + 1):
            for label, (env, folder) in envs.items():
                for name, args in COMMANDS:
                    sample = _once(args, env, folder)
                    if round_:  # round 0 warms the caches (pyc, page cache)
                        results.setdefault((label, name), []).append(sample)
    return results


def table(results: dict[tuple[str, str], list[tuple[float, float]]], labels: list[str]) -> str:
    head = "| command | " + " | ".join(f"{lbl} wall | {lbl} CPU" for lbl in labels) + " |"
    rows = [head, "|---|" + "---:|---:|" * len(labels)]
    for name, _ in COMMANDS:
        cells = []
        for label in labels:
            samples = results[(label, name)]
            wall = statistics.median(s[0] for s in samples)
            cpu = statistics.median(s[1] for s in samples)
            cells.append(f"{wall * 1000:.0f} ms | {cpu * 1000:.0f} ms")
        rows.append(f"| `{name}` | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", help="a git revision to compare with (git archive)")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        trees: dict[str, Path] = {}
        if args.before:
            trees[f"before ({args.before})"] = _export(args.before, Path(tmp))
        trees["after" if args.before else "this checkout"] = REPO
        results = measure(trees, args.rounds)
    print(table(results, list(trees)))
    print(f"\nmedians of {args.rounds} interleaved rounds; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
