"""The handler registry: patterns, names, retry policy, loading by spec and entry point."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from canonical import ConfigurationError, Event
from webhooks.handlers import Handler, HandlerRegistry, load_handlers, load_spec, specs_from_env


def _noop(event: Event, *, idempotency_key: str) -> None:
    return None


@pytest.mark.parametrize(
    ("pattern", "matches", "misses"),
    [
        ("invoice.paid", ["invoice.paid"], ["invoice.paid_out", "invoice.created", "invoice"]),
        ("invoice.*", ["invoice.paid", "invoice.marked_uncollectible"], ["customer.created"]),
        ("*", ["invoice.paid", "other", "contact.creation"], []),
        ("contact.creation", ["contact.creation"], ["customer.created"]),
    ],
)
def test_patterns_match_exact_types_prefix_globs_and_everything(
    pattern: str, matches: list[str], misses: list[str]
) -> None:
    handler = Handler("h", (pattern,), _noop)
    assert all(handler.matches(t) for t in matches)
    assert not any(handler.matches(t) for t in misses)


def test_matching_checks_canonical_and_vendor_types_in_name_order() -> None:
    registry = HandlerRegistry()
    registry.on("customer.created", name="b_crm")(_noop)
    registry.on("contact.creation", name="a_vendor")(_noop)
    registry.on("invoice.*", name="c_billing")(_noop)
    found = registry.matching("customer.created", "contact.creation")
    assert [h.name for h in found] == ["a_vendor", "b_crm"]
    assert registry.matching("other", "plan.created") == []


def test_decorator_names_the_handler_after_its_function_and_keeps_it_callable() -> None:
    registry = HandlerRegistry()
    returned = registry.on("*", max_attempts=7, retry_interval=0.5)(_noop)
    assert returned is _noop
    [handler] = registry.all()
    assert handler.name == f"{__name__}._noop"
    assert (handler.max_attempts, handler.retry_interval, handler.backoff_rate) == (7, 0.5, 2.0)


@pytest.mark.parametrize(
    "bad",
    [
        {"patterns": ("invoice.paid; drop",)},
        {"patterns": ("",)},
        {"name": "has space"},
        {"max_attempts": 0},
        {"backoff_rate": 0.5},
    ],
)
def test_invalid_handlers_are_refused_with_a_hint(bad: dict[str, object]) -> None:
    fields: dict[str, object] = {"name": "ok", "patterns": ("*",), "func": _noop}
    fields |= bad
    with pytest.raises(ConfigurationError) as caught:
        HandlerRegistry().add(Handler(**fields))  # type: ignore[arg-type]
    assert caught.value.hint


def test_two_different_functions_cannot_share_a_name() -> None:
    registry = HandlerRegistry()
    registry.on("*", name="same")(_noop)
    registry.on("*", name="same")(_noop)  # the same function again: fine (re-import)
    with pytest.raises(ConfigurationError, match="already registered"):
        registry.on("*", name="same")(lambda e, *, idempotency_key: None)


def test_on_needs_a_pattern() -> None:
    with pytest.raises(ConfigurationError):
        HandlerRegistry().on()


@pytest.fixture
def handler_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    name = f"canonry_test_handlers_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{name}.py").write_text(
        textwrap.dedent(
            """
            from webhooks.handlers import Handler, HandlerRegistry

            def apply(event, *, idempotency_key):
                pass

            ONE = Handler("one", ("invoice.paid",), apply)
            GROUP = HandlerRegistry()
            GROUP.on("customer.*", name="two")(apply)
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name
    sys.modules.pop(name, None)


def test_specs_import_modules_and_adopt_handlers_and_registries(handler_module: str) -> None:
    registry = HandlerRegistry()
    load_spec(f"{handler_module}:ONE", registry)
    load_spec(f"{handler_module}:GROUP", registry)
    assert registry.names() == ["one", "two"]


def test_env_specs_are_loaded_and_bad_specs_say_what_is_wrong(handler_module: str) -> None:
    registry = HandlerRegistry()
    env = {"CANONRY_HANDLERS": f" {handler_module}:ONE , "}
    assert specs_from_env(env) == [f"{handler_module}:ONE"]
    load_handlers(registry=registry, entry_points_too=False, environ=env)
    assert registry.names() == ["one"]
    with pytest.raises(ConfigurationError, match="cannot import"):
        load_spec("no_such_module_canonry_xyz", registry)
    with pytest.raises(ConfigurationError, match="has no attribute"):
        load_spec(f"{handler_module}:MISSING", registry)
