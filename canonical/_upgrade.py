"""Upgrading stored payloads written under an older schema version.

An upgrade step is a plain function ``(payload: dict) -> dict`` registered for one model
and one version step::

    @register_upgrade("Customer", from_version="0.9.0", to_version="1.0.0")
    def _split_full_name(payload: dict) -> dict:
        given, _, family = payload.pop("full_name", "").partition(" ")
        return {**payload, "given_name": given or None, "family_name": family or None}

``upgrade_payload("Customer", stored, from_version="0.9.0")`` chains steps up to
``SCHEMA_VERSION`` and validates the result. Within one major version no step is needed
(minor and patch changes keep old payloads valid), so the chain may stop early; crossing
a major version without a registered step raises ``SchemaError``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from canonical._change import parse_version
from canonical._errors import CanonryError, SchemaError, ValidationFailed
from canonical._schema import SCHEMA_VERSION, model_by_name

__all__ = ["UpgradeRegistry", "UpgradeStep", "register_upgrade", "upgrade_payload"]

UpgradeStep = Callable[[dict[str, Any]], dict[str, Any]]


class UpgradeRegistry:
    """Upgrade steps by (model, from_version). The module keeps one default registry."""

    def __init__(self) -> None:
        self._steps: dict[tuple[str, str], tuple[str, UpgradeStep]] = {}

    def register(
        self, model: str, from_version: str, to_version: str
    ) -> Callable[[UpgradeStep], UpgradeStep]:
        """Decorator registering a step; a second step from the same version raises."""
        name = model_by_name(model).__name__
        if parse_version(to_version) <= parse_version(from_version):
            raise SchemaError(
                f"upgrade step for {name} goes from {from_version} to {to_version}",
                hint="an upgrade step must go to a newer version",
            )

        def decorator(step: UpgradeStep) -> UpgradeStep:
            if (name, from_version) in self._steps:
                raise SchemaError(
                    f"an upgrade step for {name} from {from_version} is already registered",
                    hint="register one step per model and version; chain steps for more",
                )
            self._steps[(name, from_version)] = (to_version, step)
            return step

        return decorator

    def path(self, model: str, from_version: str, to_version: str = SCHEMA_VERSION) -> list[str]:
        """The versions a payload goes through, ``from_version`` first.

        Raises ``SchemaError`` when no chain of steps (plus same-major compatibility)
        reaches ``to_version``.
        """
        name = model_by_name(model).__name__
        target = parse_version(to_version)
        versions = [from_version]
        while (current := versions[-1]) != to_version:
            if parse_version(current) > target:
                raise SchemaError(
                    f"{name} payload version {current} is newer than schema {to_version}",
                    hint="upgrade canonry to a release that knows this schema version",
                )
            step = self._steps.get((name, current))
            if step is not None and parse_version(step[0]) <= target:
                versions.append(step[0])
            elif parse_version(current)[0] == target[0]:
                break  # same major version: old payloads stay valid
            else:
                raise SchemaError(
                    f"no upgrade path for {name} from {current} to {to_version}",
                    hint="register a step with @canonical.register_upgrade"
                    f'("{name}", "{current}", "<next version>")',
                )
        return versions

    def upgrade(self, model: str, payload: dict[str, Any], from_version: str) -> dict[str, Any]:
        """``payload`` (not modified) upgraded to ``SCHEMA_VERSION``, validated, as JSON data."""
        model_class = model_by_name(model)
        name = model_class.__name__
        versions = self.path(name, from_version)
        data = copy.deepcopy(payload)
        for version in versions[:-1]:
            step = self._steps.get((name, version))
            if step is not None:
                data = _run_step(name, version, step, data)
        try:
            validated = model_class.model_validate(data)
        except ValidationError as exc:
            raise ValidationFailed(
                f"{name} payload upgraded from {from_version} does not validate "
                f"against schema {SCHEMA_VERSION}: {exc.error_count()} error(s)",
                errors=[dict(error) for error in exc.errors(include_url=False)],
                hint="fix the upgrade steps registered for this model",
            ) from exc
        return validated.model_dump(mode="json")


def _run_step(
    name: str, version: str, step: tuple[str, UpgradeStep], data: dict[str, Any]
) -> dict[str, Any]:
    to_version, function = step
    where = f"upgrade step {function.__name__} ({name} {version} -> {to_version})"
    try:
        result = function(data)
    except CanonryError:
        raise
    except Exception as exc:  # a bug in the step or a payload it did not expect
        raise SchemaError(f"{where} failed: {type(exc).__name__}: {exc}") from exc
    if not isinstance(result, dict):
        raise SchemaError(f"{where} returned {type(result).__name__}, not a dict")
    return result


_DEFAULT = UpgradeRegistry()


def register_upgrade(
    model: str, from_version: str, to_version: str
) -> Callable[[UpgradeStep], UpgradeStep]:
    """Register ``(payload) -> payload`` as the step from ``from_version`` to ``to_version``."""
    return _DEFAULT.register(model, from_version, to_version)


def upgrade_payload(
    model: str,
    payload: dict[str, Any],
    from_version: str,
    *,
    registry: UpgradeRegistry | None = None,
) -> dict[str, Any]:
    """Upgrade a stored ``model`` payload written under ``from_version`` to the current
    ``SCHEMA_VERSION``, validate it, and return it as JSON-ready data."""
    return (registry or _DEFAULT).upgrade(model, payload, from_version)
