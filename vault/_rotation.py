"""Key rotation and retirement for the local store.

``rotate`` makes a new primary key-encryption key (or, when a previous rotation was
interrupted, keeps the current primary) and rewraps every data key not yet under it, in
batches each committed in its own transaction. Only the wrapped data key, its key id and
wrapper change: the payload ciphertext is untouched and nothing decrypted is written
anywhere. A crash between batches leaves every secret readable, because the old keys
stay in the keyring until ``retire_key`` removes them, and that refuses while any
secret still uses the key. Running ``rotate`` again resumes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa

from canonical import ConfigurationError, CredentialError
from vault._envelope import data_key_aad
from vault._local import LocalCredentialStore, db_errors
from vault._wrapping import KeyWrapper, WrappedKey

__all__ = [
    "RotationProgress",
    "RotationReport",
    "retire_key",
    "rotate",
]


@dataclass(frozen=True)
class RotationProgress:
    """Reported after each committed batch."""

    done: int
    total: int
    batches: int


@dataclass(frozen=True)
class RotationReport:
    primary_key_id: str
    new_key: bool
    """True when this run made the primary; False when it resumed an earlier rotation."""
    rewrapped: int
    batches: int
    skipped: int = 0
    """Rows another writer changed mid-batch (their new version is already under a key
    the store chose; a later ``rotate`` picks them up if needed)."""
    failed: tuple[str, ...] = ()
    """``tenant/connection: reason`` for rows that could not be rewrapped."""
    key_usage: dict[str, int] = field(default_factory=dict)
    retirable: tuple[str, ...] = ()
    """Keys in the keyring that no secret uses any more (``canonry vault retire``)."""


ProgressCallback = Callable[[RotationProgress], None]


@dataclass(frozen=True)
class _Pending:
    row_id: int
    tenant: str
    connection: str
    version: int
    aad: bytes
    wrapped: WrappedKey


def _pending(store: LocalCredentialStore, wrapper: KeyWrapper) -> sa.ColumnElement[bool]:
    t = store.table
    return sa.or_(t.c.key_id != wrapper.primary_key_id(), t.c.wrapper != wrapper.name)


def _count_pending(store: LocalCredentialStore, wrapper: KeyWrapper) -> int:
    stmt = sa.select(sa.func.count()).select_from(store.table).where(_pending(store, wrapper))
    with store.engine.connect() as conn:
        return int(conn.execute(stmt).scalar_one())


def _next_batch(
    store: LocalCredentialStore, wrapper: KeyWrapper, after_id: int, size: int
) -> Sequence[_Pending]:
    t = store.table
    cols = (t.c.id, t.c.tenant, t.c.connection, t.c.version, t.c.format_version)
    cols2 = (t.c.data_key_id, t.c.wrapper, t.c.key_id, t.c.wrapped_key)
    stmt = (
        sa.select(*cols, *cols2)
        .where(_pending(store, wrapper), t.c.id > after_id)
        .order_by(t.c.id)
        .limit(size)
    )
    with store.engine.connect() as conn:
        rows = conn.execute(stmt).all()
    return [
        _Pending(
            int(r.id),
            r.tenant,
            r.connection,
            int(r.version),
            data_key_aad(
                r.tenant, r.connection, r.data_key_id, int(r.format_version), int(r.version)
            ),
            WrappedKey(r.wrapper, r.key_id, bytes(r.wrapped_key)),
        )
        for r in rows
    ]


def _rewrap_batch(
    store: LocalCredentialStore,
    wrapper: KeyWrapper,
    rows: Sequence[_Pending],
) -> tuple[int, int, list[str]]:
    """Rewrap in memory, then commit the batch in one transaction: ``(done, skipped, failed)``."""
    t = store.table
    updates: list[tuple[int, int, str, WrappedKey]] = []
    failed: list[str] = []
    for row in rows:
        try:
            new = wrapper.rewrap(row.wrapped, row.aad)
        except CredentialError as exc:
            failed.append(f"{row.tenant}/{row.connection}: {exc.message}")
            continue
        updates.append((row.row_id, row.version, row.wrapped.key_id, new))
    done = 0
    with store.engine.begin() as conn:
        for row_id, version, old_key, new in updates:
            stmt = (
                t.update()
                .where(t.c.id == row_id, t.c.version == version, t.c.key_id == old_key)
                .values(wrapper=new.wrapper, key_id=new.key_id, wrapped_key=new.blob)
            )
            done += conn.execute(stmt).rowcount
    return done, len(updates) - done, failed


def _new_primary(wrapper: KeyWrapper) -> str:
    """Make a new primary: ``add_key`` (LocalKeyring) or ``rotate_key`` (Vault Transit)."""
    for attr in ("add_key", "rotate_key"):
        make = getattr(wrapper, attr, None)
        if callable(make):
            return str(make())
    raise ConfigurationError(
        f"the {wrapper.name!r} key wrapper cannot create keys from Canonry",
        hint="rotate the key where it lives, then run `canonry vault rotate` to rewrap",
    )


def rotate(
    store: LocalCredentialStore,
    keyring: KeyWrapper | None = None,
    *,
    batch_size: int = 100,
    progress: ProgressCallback | None = None,
    new_key: bool | None = None,
) -> RotationReport:
    """Rewrap every data key under a (new) primary key; resumable, one transaction per batch.

    ``new_key=None`` makes a new primary unless secrets are still waiting under an old key
    (an interrupted rotation, or a primary changed in ``CANONRY_MASTER_KEYS``): then it
    resumes under the current primary. ``keyring`` defaults to the store's wrapper.
    """
    if batch_size < 1:
        raise ConfigurationError(
            "batch_size must be at least 1", hint="pass --batch-size 1 or more"
        )
    wrapper = keyring or store.wrapper
    with db_errors():
        created = _count_pending(store, wrapper) == 0 if new_key is None else new_key
        if created:
            _new_primary(wrapper)
        total = _count_pending(store, wrapper)
        done = skipped = batches = last_id = 0
        failed: list[str] = []
        while rows := _next_batch(store, wrapper, last_id, batch_size):
            last_id = rows[-1].row_id
            ok, lost, bad = _rewrap_batch(store, wrapper, rows)
            done, skipped, batches = done + ok, skipped + lost, batches + 1
            failed += bad
            if progress is not None:
                progress(RotationProgress(done + skipped + len(failed), total, batches))
    usage = store.key_usage()
    return RotationReport(
        primary_key_id=wrapper.primary_key_id(),
        new_key=created,
        rewrapped=done,
        batches=batches,
        skipped=skipped,
        failed=tuple(failed),
        key_usage=usage,
        retirable=_retirable(wrapper, usage),
    )


def _retirable(wrapper: KeyWrapper, usage: dict[str, int]) -> tuple[str, ...]:
    key_ids: Callable[[], list[str]] | None = getattr(wrapper, "key_ids", None)
    if key_ids is None:
        return ()
    primary = wrapper.primary_key_id()
    return tuple(k for k in key_ids() if k != primary and not usage.get(k))


def retire_key(store: LocalCredentialStore, key_id: str, keyring: KeyWrapper | None = None) -> None:
    """Remove ``key_id`` from the keyring; refuses the primary and any key still in use."""
    wrapper = keyring or store.wrapper
    retire: Callable[[str], None] | None = getattr(wrapper, "retire", None)
    if retire is None:
        raise ConfigurationError(
            f"the {wrapper.name!r} key wrapper has no keys to retire here",
            hint="retire old key versions where the key lives (Transit: min_decryption_version)",
        )
    if key_id == wrapper.primary_key_id():
        raise CredentialError(
            f"key {key_id!r} is the primary key and cannot be retired",
            hint="run `canonry vault rotate` first to make a new primary",
        )
    in_use = store.key_usage().get(key_id, 0)
    if in_use:
        raise CredentialError(
            f"key {key_id!r} still protects {in_use} secret(s) and cannot be retired",
            hint="run `canonry vault rotate` to rewrap them under the primary key, then retry",
        )
    retire(key_id)
