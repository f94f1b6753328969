"""Keep the key file and the SQLite database out of git: write or extend a ``.gitignore``.

Lines are only ever appended (the user's lines stay as they are, in their order), a pattern
already present (also as ``/pattern``) is not added again, and nothing is written when
every pattern is there.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

__all__ = ["HEADER", "ensure_ignored"]

HEADER = "# Canonry: encryption keys and the local database (webhook bodies, personal data)"


def _present(lines: Iterable[str]) -> set[str]:
    return {line.strip().lstrip("/") for line in lines}


def ensure_ignored(folder: Path, patterns: Iterable[str]) -> list[str]:
    """Append the missing ``patterns`` to ``folder/.gitignore``; returns those added."""
    path = folder / ".gitignore"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    have = _present(text.splitlines())
    missing = [p for p in dict.fromkeys(patterns) if p.lstrip("/") not in have]
    if not missing:
        return []
    lead = "" if not text or text.endswith("\n") else "\n"
    header = "" if HEADER in text else f"{HEADER}\n"
    with path.open("a", encoding="utf-8") as out:
        out.write(lead + header + "".join(f"{p}\n" for p in missing))
    return missing
