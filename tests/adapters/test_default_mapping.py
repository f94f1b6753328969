"""``Adapter.default_mapping`` loads ``mappings/<stream>.yaml`` from the adapter's package."""

from __future__ import annotations

import importlib
import sys
import textwrap
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest

from adapters import Adapter, CheckResult, Cursor, Page, StreamSpec
from canonical import ConfigurationError, MappingError
from mapping import Mapping

ADAPTER_SOURCE = """
from adapters import Adapter, CheckResult, StreamSpec


class AcmeAdapter(Adapter):
    key = "acme"
    display_name = "Acme"
    streams = (
        StreamSpec("customers", "Customer"),
        StreamSpec("invoices", "Invoice"),
        StreamSpec("events", "Event"),
        StreamSpec("broken", "Customer"),
    )

    def check(self):
        return CheckResult.success()

    def read(self, stream, cursor=None):
        yield from ()
"""

CUSTOMERS_YAML = """
name: acme-customers
model: Customer
version: 1.0.0
rules:
  remote_id: id
  name: display_name
  email: contact.email
"""

CUSTOMER_MAPPING_AS_INVOICES = CUSTOMERS_YAML.replace("acme-customers", "acme-invoices")

Importer = Callable[..., ModuleType]


@pytest.fixture
def make_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Importer]:
    """Write an adapter package (adapter in ``__init__`` or a submodule) and import it."""
    created: list[str] = []

    def make(*, in_submodule: bool = False, mappings: dict[str, str] | None = None) -> ModuleType:
        name = f"acme_{uuid.uuid4().hex[:10]}"
        package = tmp_path / name
        (package / "mappings").mkdir(parents=True)
        source = textwrap.dedent(ADAPTER_SOURCE)
        (package / "__init__.py").write_text("" if in_submodule else source)
        if in_submodule:
            (package / "adapter.py").write_text(source)
        for stream, text in (mappings or {}).items():
            (package / "mappings" / f"{stream}.yaml").write_text(textwrap.dedent(text))
        monkeypatch.syspath_prepend(str(tmp_path))
        created.append(name)
        return importlib.import_module(f"{name}.adapter" if in_submodule else name)

    yield make
    for name in created:
        for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
            del sys.modules[module]


@pytest.mark.parametrize("in_submodule", [False, True])
def test_loads_the_yaml_shipped_next_to_the_adapter(
    make_package: Importer, in_submodule: bool
) -> None:
    module = make_package(in_submodule=in_submodule, mappings={"customers": CUSTOMERS_YAML})
    mapping = module.AcmeAdapter().default_mapping("customers")
    assert isinstance(mapping, Mapping)
    assert (mapping.name, mapping.model, mapping.version) == ("acme-customers", "Customer", "1.0.0")
    assert mapping == Mapping.from_yaml(textwrap.dedent(CUSTOMERS_YAML))


def test_mappings_package_points_elsewhere(make_package: Importer) -> None:
    data = make_package(mappings={"customers": CUSTOMERS_YAML})
    code = make_package(in_submodule=True)

    class Relocated(code.AcmeAdapter):  # type: ignore[name-defined,misc]
        mappings_package = data.__name__

    assert Relocated().default_mapping("customers").name == "acme-customers"
    with pytest.raises(MappingError):
        code.AcmeAdapter().default_mapping("customers")


def test_missing_file_is_a_mapping_error_naming_the_path(make_package: Importer) -> None:
    module = make_package(mappings={"customers": CUSTOMERS_YAML})
    with pytest.raises(MappingError) as caught:
        module.AcmeAdapter().default_mapping("invoices")
    assert f"{module.__name__}/mappings/invoices.yaml" in str(caught.value)
    assert "package data" in (caught.value.hint or "")


def test_a_mapping_for_another_model_is_refused(make_package: Importer) -> None:
    module = make_package(mappings={"invoices": CUSTOMER_MAPPING_AS_INVOICES})
    with pytest.raises(MappingError, match=r"maps to 'Customer'.*produces 'Invoice'"):
        module.AcmeAdapter().default_mapping("invoices")


def test_an_invalid_mapping_file_raises_the_engines_mapping_error(
    make_package: Importer,
) -> None:
    module = make_package(mappings={"broken": "name: x\nmodel: Customer\nrules: [1, 2\n"})
    with pytest.raises(MappingError):
        module.AcmeAdapter().default_mapping("broken")


def test_unknown_stream_is_refused_before_any_file_is_read(make_package: Importer) -> None:
    module = make_package(mappings={"customers": CUSTOMERS_YAML})
    with pytest.raises(ConfigurationError, match="known streams: customers, invoices"):
        module.AcmeAdapter().default_mapping("../customers")


def test_an_adapter_outside_any_package_must_name_its_mappings_package() -> None:
    class Loose(Adapter):
        __module__ = "__main__"  # defined in a script, not in a package
        key = "loose"
        display_name = "Loose"
        streams = (StreamSpec("customers", "Customer"),)

        def check(self) -> CheckResult:
            return CheckResult.success()

        def read(self, stream: str, cursor: Cursor | None = None) -> Iterator[Page]:
            yield from ()

    with pytest.raises(ConfigurationError, match="mappings_package"):
        Loose().default_mapping("customers")
