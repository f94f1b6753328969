"""``LocalCredentialStore``: envelope-encrypted credentials in the registry's SQL database.

Each ``put`` seals the payload under a fresh 256-bit data key (AES-256-GCM, random 96-bit
nonce) and stores the data key wrapped by a ``KeyWrapper`` (the local keyring by default,
Vault Transit optionally). Works on SQLite and PostgreSQL through a SQLAlchemy ``Engine``.
``expected_version`` makes ``put`` check-and-set: ``0`` means "must not exist yet", ``n``
means "must still be at version n"; a lost race raises ``ConflictError``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from pydantic import SecretStr
from sqlalchemy.engine import Connection, Engine, RowMapping
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from canonical import ConflictError, CredentialError, DecryptionError, NotFoundInRegistry
from vault._envelope import (
    FORMAT_VERSION,
    check_owner,
    data_key_aad,
    new_data_key,
    new_data_key_id,
    open_payload,
    payload_aad,
    seal_payload,
)
from vault._store import CredentialRef, CredentialStore, SecretPayload, normalise_secrets
from vault._tables import credentials_table
from vault._wrapping import KeyWrapper, WrappedKey

__all__ = ["LocalCredentialStore", "db_errors"]

_T = TypeVar("_T")
_WRITE_ATTEMPTS = 3


def _now() -> datetime:
    return datetime.now(UTC)


def _conflict(tenant: str, connection: str, expected: int, found: int | None) -> ConflictError:
    state = "does not exist" if found is None else f"is at version {found}"
    return ConflictError(
        f"credential {tenant}/{connection} {state}, not version {expected}",
        hint="another writer changed it first; read it again and retry",
    )


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
        fields = self._seal(tenant, connection, normalise_secrets(secrets))
        for attempt in range(1, _WRITE_ATTEMPTS + 1):
            try:
                version = self._guard(
                    lambda: self._write(tenant, connection, fields, expected_version)
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
        row = self._guard(lambda: self._read(tenant, connection))
        if row is None:
            raise NotFoundInRegistry(
                f"no credential stored for tenant {tenant!r}, connection {connection!r}",
                hint="store one first (`canonry credentials set`)",
            )
        payload = self._open(row)
        return payload, CredentialRef(self.backend, tenant, connection, int(row["version"]))

    def delete(self, tenant: str, connection: str) -> None:
        """Remove the credential; deleting one that does not exist is a no-op."""
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
        self, tenant: str, connection: str, values: Mapping[str, SecretStr]
    ) -> dict[str, Any]:
        data_key, dk_id = new_data_key(), new_data_key_id()
        aad = payload_aad(tenant, connection, dk_id, FORMAT_VERSION)
        nonce, ciphertext = seal_payload(data_key, values, aad)
        wrapped = self.wrapper.wrap(
            data_key, data_key_aad(tenant, connection, dk_id, FORMAT_VERSION)
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
        if fmt != FORMAT_VERSION:
            raise CredentialError(
                f"credential {tenant}/{connection} uses envelope format {fmt}, "
                f"this Canonry reads format {FORMAT_VERSION}",
                hint="upgrade Canonry",
            )
        wrapped = WrappedKey(row["wrapper"], row["key_id"], bytes(row["wrapped_key"]))
        dk_id = row["data_key_id"]
        try:
            data_key = self.wrapper.unwrap(wrapped, data_key_aad(tenant, connection, dk_id, fmt))
            aad = payload_aad(tenant, connection, dk_id, fmt)
            return open_payload(data_key, bytes(row["nonce"]), bytes(row["ciphertext"]), aad)
        except DecryptionError as exc:
            raise DecryptionError(
                f"cannot decrypt the credential of tenant {tenant!r}, connection "
                f"{connection!r}: {exc.message}",
                hint=exc.hint,
            ) from exc

    def _read(self, tenant: str, connection: str) -> RowMapping | None:
        t = self.table
        stmt = sa.select(t).where(t.c.tenant == tenant, t.c.connection == connection)
        with self.engine.connect() as conn:
            return conn.execute(stmt).mappings().first()

    def _write(
        self, tenant: str, connection: str, fields: dict[str, Any], expected: int | None
    ) -> int:
        t = self.table
        owner = (t.c.tenant == tenant, t.c.connection == connection)
        with self.engine.begin() as conn:
            found = conn.execute(sa.select(t.c.version).where(*owner)).scalar_one_or_none()
            current = None if found is None else int(found)
            if expected is not None and expected != (current or 0):
                raise _conflict(tenant, connection, expected, current)
            if current is None:
                return self._insert(conn, tenant, connection, fields, expected)
            stmt = t.update().where(*owner, t.c.version == current)
            if conn.execute(stmt.values(version=current + 1, **fields)).rowcount != 1:
                raise ConflictError(
                    f"credential {tenant}/{connection} changed while it was being written",
                    hint="another writer changed it first; read it again and retry",
                )
            return current + 1

    def _insert(
        self,
        conn: Connection,
        tenant: str,
        connection: str,
        fields: dict[str, Any],
        expected: int | None,
    ) -> int:
        values = {"tenant": tenant, "connection": connection, "version": 1, **fields}
        try:
            conn.execute(self.table.insert().values(created_at=_now(), **values))
        except IntegrityError as exc:
            raise _conflict(tenant, connection, expected or 0, None) from exc
        return 1

    def _create_table(self) -> None:
        """Create the table unless it exists (another process may create it concurrently)."""
        try:
            self.table.create(self.engine, checkfirst=True)
        except SQLAlchemyError:
            if not sa.inspect(self.engine).has_table(self.table.name):
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
