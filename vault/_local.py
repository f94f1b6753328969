"""``LocalCredentialStore``: envelope-encrypted credentials in the registry's SQL database.

Each ``put`` seals the payload under a fresh 256-bit data key (AES-256-GCM, random 96-bit
nonce) and stores the data key wrapped by a ``KeyWrapper`` (the local keyring by default,
Vault Transit optionally). Works on SQLite and PostgreSQL through a SQLAlchemy ``Engine``.
``expected_version`` makes ``put`` check-and-set: ``0`` means "must not exist yet", ``n``
means "must still be at version n"; a lost race raises ``ConflictError``.

Rollback: the secret's version is bound into both AADs, and each owner's newest version is
kept as a high-water mark (``vault._local_rows``), so a row older than its mark (restored
from a backup, replayed) is refused with ``CredentialRollbackError`` until
``accept_restored`` accepts it. Rows of envelope format 1 are read and rewritten as format 2.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from pydantic import SecretStr
from sqlalchemy.engine import Engine, RowMapping
from sqlalchemy.exc import SQLAlchemyError

from canonical import ConflictError, CredentialError, DecryptionError, NotFoundInRegistry
from vault import _local_rows as rows
from vault._envelope import (
    FORMAT_VERSION,
    READABLE_FORMATS,
    check_owner,
    data_key_aad,
    new_data_key,
    new_data_key_id,
    open_payload,
    payload_aad,
    seal_payload,
)
from vault._store import (
    CredentialRef,
    CredentialRollbackError,
    CredentialStore,
    SecretPayload,
    normalise_secrets,
)
from vault._tables import credentials_table, versions_table
from vault._wrapping import KeyWrapper, WrappedKey

__all__ = ["LocalCredentialStore", "db_errors"]

_T = TypeVar("_T")
_WRITE_ATTEMPTS = 3
log = logging.getLogger("canonry.vault")


def _now() -> datetime:
    return datetime.now(UTC)


class LocalCredentialStore(CredentialStore):
    """A ``CredentialStore`` on the ``canonry_credentials`` table with envelope encryption."""

    backend = "local"

    def __init__(
        self, engine: Engine, wrapper: KeyWrapper | None = None, *, create_table: bool = True
    ) -> None:
        if wrapper is None:
            from vault._keyring import LocalKeyring

            wrapper = LocalKeyring.from_env()
        self.engine = engine
        self.wrapper = wrapper
        self.table = credentials_table()
        if create_table:
            self._guard(self._create_table)

    def __repr__(self) -> str:
        url = self.engine.url.render_as_string(hide_password=True)
        return f"LocalCredentialStore(url={url!r}, wrapper={self.wrapper!r})"

    # -- CredentialStore ---------------------------------------------------------------

    def put(
        self,
        tenant: str,
        connection: str,
        secrets: Mapping[str, SecretStr | str],
        *,
        expected_version: int | None = None,
    ) -> CredentialRef:
        check_owner(tenant, connection)
        values = normalise_secrets(secrets)
        for attempt in range(1, _WRITE_ATTEMPTS + 1):
            try:
                version = self._guard(
                    lambda: self._write(tenant, connection, values, expected_version)
                )
            except ConflictError:
                # Without check-and-set a lost race is retried: last writer wins.
                if expected_version is not None or attempt == _WRITE_ATTEMPTS:
                    raise
                continue
            return CredentialRef(self.backend, tenant, connection, version)
        raise AssertionError("unreachable")

    def get(self, tenant: str, connection: str) -> SecretPayload:
        return self.get_with_ref(tenant, connection)[0]

    def get_with_ref(self, tenant: str, connection: str) -> tuple[SecretPayload, CredentialRef]:
        row = self._existing(tenant, connection)
        newest = row[rows.HIGH_WATER]
        if newest is not None and int(row["version"]) < int(newest):
            raise CredentialRollbackError(tenant, connection, int(row["version"]), int(newest))
        payload = self._open(row)
        if int(row["format_version"]) != FORMAT_VERSION or newest is None:
            self._upgrade(row, payload)
        return payload, CredentialRef(self.backend, tenant, connection, int(row["version"]))

    def accept_restored(self, tenant: str, connection: str) -> CredentialRef:
        """Accept the row stored now, even one older than its high-water mark (restored from a
        backup on purpose): its payload must still authenticate, and is sealed again as a
        version above every version this owner ever had."""
        row = self._existing(tenant, connection)
        payload = self._open(row)
        version = max(int(row["version"]), int(row[rows.HIGH_WATER] or 0)) + 1
        fields = self._seal(tenant, connection, payload, version)
        if not self._guard(lambda: self._rebind(row, fields, version)):
            raise ConflictError(
                f"credential {tenant}/{connection} changed while it was being accepted",
                hint="read it again and retry",
            )
        return CredentialRef(self.backend, tenant, connection, version)

    def delete(self, tenant: str, connection: str) -> None:
        """Remove the credential (its version mark stays, so versions never repeat); deleting
        one that does not exist is a no-op."""
        t = self.table
        stmt = t.delete().where(t.c.tenant == tenant, t.c.connection == connection)
        self._guard(lambda: self._execute(stmt))

    def list(self, tenant: str | None = None) -> list[CredentialRef]:
        t = self.table
        stmt = sa.select(t.c.tenant, t.c.connection, t.c.version).order_by(
            t.c.tenant, t.c.connection
        )
        if tenant is not None:
            stmt = stmt.where(t.c.tenant == tenant)
        rows = self._guard(lambda: self._all(stmt))
        return [CredentialRef(self.backend, r.tenant, r.connection, r.version) for r in rows]

    # -- keys --------------------------------------------------------------------------

    def key_usage(self) -> dict[str, int]:
        """How many stored secrets each key-encryption key protects, by key id."""
        t = self.table
        stmt = sa.select(t.c.key_id, sa.func.count()).group_by(t.c.key_id).order_by(t.c.key_id)
        rows = self._guard(lambda: self._all(stmt))
        return {str(row[0]): int(row[1]) for row in rows}

    # -- internals ---------------------------------------------------------------------

    def _seal(
        self, tenant: str, connection: str, values: Mapping[str, SecretStr], version: int
    ) -> dict[str, Any]:
        data_key, dk_id = new_data_key(), new_data_key_id()
        aad = payload_aad(tenant, connection, dk_id, FORMAT_VERSION, version)
        nonce, ciphertext = seal_payload(data_key, values, aad)
        wrapped = self.wrapper.wrap(
            data_key, data_key_aad(tenant, connection, dk_id, FORMAT_VERSION, version)
        )
        return {
            "format_version": FORMAT_VERSION,
            "wrapper": wrapped.wrapper,
            "key_id": wrapped.key_id,
            "data_key_id": dk_id,
            "wrapped_key": wrapped.blob,
            "nonce": nonce,
            "ciphertext": ciphertext,
            "updated_at": _now(),
        }

    def _open(self, row: RowMapping) -> SecretPayload:
        tenant, connection, fmt = row["tenant"], row["connection"], int(row["format_version"])
        if fmt not in READABLE_FORMATS:
            raise CredentialError(
                f"credential {tenant}/{connection} uses envelope format {fmt}, "
                f"this Canonry reads formats {sorted(READABLE_FORMATS)}",
                hint="upgrade Canonry",
            )
        wrapped = WrappedKey(row["wrapper"], row["key_id"], bytes(row["wrapped_key"]))
        binding = (tenant, connection, row["data_key_id"], fmt, int(row["version"]))
        try:
            data_key = self.wrapper.unwrap(wrapped, data_key_aad(*binding))
            aad = payload_aad(*binding)
            return open_payload(data_key, bytes(row["nonce"]), bytes(row["ciphertext"]), aad)
        except DecryptionError as exc:
            raise DecryptionError(
                f"cannot decrypt the credential of tenant {tenant!r}, connection "
                f"{connection!r}: {exc.message}",
                hint=exc.hint,
            ) from exc

    def _upgrade(self, row: RowMapping, payload: SecretPayload) -> None:
        """Rewrite a format-1 row as format 2 (same version), or give a row its missing
        high-water mark. Best effort: a failure leaves the row readable as it was."""
        version = int(row["version"])
        try:
            if int(row["format_version"]) == FORMAT_VERSION:
                with self.engine.begin() as conn:
                    rows.raise_mark(conn, row["tenant"], row["connection"], version)
                return
            fields = self._seal(row["tenant"], row["connection"], payload, version)
            self._rebind(row, fields, version)
        except (CredentialError, SQLAlchemyError) as exc:
            log.warning(
                "could not upgrade the stored credential of %s/%s (%s); it stays readable",
                row["tenant"],
                row["connection"],
                type(exc).__name__,
            )

    def _existing(self, tenant: str, connection: str) -> RowMapping:
        row = self._guard(lambda: self._read(tenant, connection))
        if row is None:
            raise NotFoundInRegistry(
                f"no credential stored for tenant {tenant!r}, connection {connection!r}",
                hint="store one first (`canonry credentials set`)",
            )
        return row

    def _read(self, tenant: str, connection: str) -> RowMapping | None:
        with self.engine.connect() as conn:
            return rows.read(conn, tenant, connection)

    def _write(
        self,
        tenant: str,
        connection: str,
        values: Mapping[str, SecretStr],
        expected: int | None,
    ) -> int:
        with self.engine.connect() as conn:
            current, newest = rows.versions(conn, tenant, connection)
        if expected is not None and expected != (current or 0):
            raise rows.conflict(tenant, connection, expected, current)
        version = max(current or 0, newest or 0) + 1
        fields = self._seal(tenant, connection, values, version)  # outside any transaction
        with self.engine.begin() as conn:
            rows.write(conn, tenant, connection, fields, current=current, version=version)
        return version

    def _rebind(self, row: RowMapping, fields: dict[str, Any], version: int) -> bool:
        with self.engine.begin() as conn:
            return rows.rebind(conn, row, fields, version=version)

    def _create_table(self) -> None:
        """Create the tables unless they exist (another process may create them concurrently)."""
        for table in (self.table, versions_table()):
            try:
                table.create(self.engine, checkfirst=True)
            except SQLAlchemyError:
                if not sa.inspect(self.engine).has_table(table.name):
                    raise

    def _all(self, stmt: sa.Select[Any]) -> Sequence[Any]:
        with self.engine.connect() as conn:
            return conn.execute(stmt).all()

    def _execute(self, stmt: sa.Executable) -> None:
        with self.engine.begin() as conn:
            conn.execute(stmt)

    def _guard(self, action: Callable[[], _T]) -> _T:
        with db_errors():
            return action()


@contextmanager
def db_errors() -> Iterator[None]:
    """Translate SQLAlchemy failures into ``CredentialError`` (the message names no values)."""
    try:
        yield
    except SQLAlchemyError as exc:
        raise CredentialError(
            f"the credential database failed: {type(exc).__name__}",
            hint="check CANONRY_DATABASE_URL, that the database is reachable, and run "
            "`canonry init` to create or migrate it",
        ) from exc
