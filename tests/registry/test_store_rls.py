"""PostgreSQL row-level security: a second wall between tenants in the record store.

Superusers bypass row-level security, so these tests connect as a plain login role (the
way Canonry should run in production): the Registry works through it, and a query that
omits the tenant filter on purpose still sees only the session's tenant.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from registry import Registry, create_engine
from tests.registry.conftest import migrate
from tests.registry.store_vendor import VENDORS, Vendor, VendorAdapter
from vault import LocalCredentialStore, LocalKeyring

pytestmark = pytest.mark.postgres


@pytest.fixture
def app_url(postgres_url: str) -> Iterator[str]:
    """The migrated schema, reached as a new non-superuser role with table privileges."""
    migrate(postgres_url)
    role = f"canonry_app_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        schema = conn.execute(sa.text("select current_schema()")).scalar_one()
        conn.execute(sa.text(f'create role "{role}" login nosuperuser nobypassrls'))
        conn.execute(sa.text(f'grant usage on schema "{schema}" to "{role}"'))
        conn.execute(sa.text(f'grant all on all tables in schema "{schema}" to "{role}"'))
        conn.execute(sa.text(f'grant all on all sequences in schema "{schema}" to "{role}"'))
    try:
        yield postgres_url.replace("://postgres@", f"://{role}@", 1)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'drop owned by "{role}"'))
            conn.execute(sa.text(f'drop role "{role}"'))
        admin.dispose()


@pytest.fixture
def vendor() -> Iterator[Vendor]:
    made = Vendor(f"rls-{uuid.uuid4().hex[:8]}")
    for n in range(12):
        made.upsert(f"c{n:02d}", name=f"Customer {n}")
    yield made
    VENDORS.pop(made.name, None)


def test_the_registry_works_as_a_plain_role_and_rls_hides_other_tenants(
    app_url: str, vendor: Vendor
) -> None:
    keyring = LocalKeyring.generate()
    vault_engine = create_engine(app_url)
    store = LocalCredentialStore(vault_engine, keyring, create_table=False)
    try:
        for tenant in ("acme", "globex"):
            adapters = {"vendor": VendorAdapter}
            with Registry(app_url, tenant=tenant, credentials=store, adapters=adapters) as reg:
                reg.add_connection("shop", "vendor", {"vendor": vendor.name}, {"api_key": "k"})
                assert sum(1 for _ in reg.sync("shop", "customers")) == 12
                assert reg.count_records("customers") == 12
        adapters = {"vendor": VendorAdapter}
        with Registry(app_url, tenant="globex", credentials=store, adapters=adapters) as reg:
            reg.remove_connection("shop")  # the cascade reaches the store under RLS
            assert reg.count_records("customers", include_deleted=True) == 0
    finally:
        vault_engine.dispose()

    engine = sa.create_engine(app_url)
    try:
        with engine.begin() as conn:  # no tenant set: policies refuse every row
            assert conn.execute(sa.text("select count(*) from canonry_records")).scalar() == 0
        with engine.begin() as conn:  # the tenant filter omitted on purpose
            conn.execute(sa.text("select set_config('canonry.tenant', 'acme', true)"))
            tenants = conn.execute(sa.text("select distinct tenant from canonry_records"))
            assert [t for (t,) in tenants] == ["acme"]
            with pytest.raises(sa.exc.ProgrammingError, match="row-level security"):
                conn.execute(
                    sa.text(
                        "insert into canonry_change_seq (tenant, last_seq) values ('globex2', 0)"
                    )
                )
        with engine.begin() as conn:  # the setting does not outlive its transaction
            assert conn.execute(sa.text("select count(*) from canonry_records")).scalar() == 0
    finally:
        engine.dispose()
