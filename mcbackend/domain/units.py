"""Units: one produced item each, with its serial and its as-built configuration history.

A unit is created when its job is released, or registered when a customer brings in an item
for alteration. Post-customization checks a modification against what was actually built
(the latest version of the history), not against what the catalog would allow today, and a
delivered modification appends a new version. The configurator lives elsewhere: callers pass
its check in as ``fits``, so this module stays free of the solver.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from mcbackend.domain.errors import BusinessRuleViolation, Conflict, FieldProblem

# fits(as_built, changes) -> every problem with applying ``changes`` to ``as_built``
FitCheck = Callable[[dict[str, Any], dict[str, Any]], list[FieldProblem]]


class ModificationKind(StrEnum):
    MODULE = "module"  # an extra module (kitchen cabinet, sofa seat)
    ADD_ON = "add_on"  # patches, prints, accessories
    ALTERATION = "alteration"  # shorten, take in, re-cover
    UPGRADE = "upgrade"  # replace a part with a better one


@dataclass(frozen=True)
class ConfigurationVersion:
    number: int
    configuration: dict[str, Any]
    at: datetime
    reason: str  # "produced", "registered", or what a delivered modification did
    order_reference: str | None = None


@dataclass(frozen=True)
class Modification:
    kind: ModificationKind
    changes: dict[str, Any]  # attribute -> new value, merged into the as-built configuration
    based_on_version: int  # the as-built version it was validated against
    description: str = ""


@dataclass
class Unit:
    serial: str
    product_version: str
    customer_owned: bool = False  # registered for alteration, not produced by us
    history: list[ConfigurationVersion] = field(default_factory=list)

    @classmethod
    def produced(
        cls,
        serial: str,
        product_version: str,
        configuration: dict[str, Any],
        order_reference: str,
        now: datetime,
    ) -> Unit:
        """A unit created when its order's production job is released."""
        _check_serial(serial)
        return cls(
            serial,
            product_version,
            history=[
                ConfigurationVersion(1, dict(configuration), now, "produced", order_reference)
            ],
        )

    @classmethod
    def register_customer_owned(
        cls,
        serial: str,
        product_version: str,
        configuration: dict[str, Any],
        description: str,
        now: datetime,
    ) -> Unit:
        """An item the customer brings in, recorded as found so it can be altered."""
        _check_serial(serial)
        return cls(
            serial,
            product_version,
            customer_owned=True,
            history=[
                ConfigurationVersion(1, dict(configuration), now, f"registered: {description}")
            ],
        )

    @property
    def version(self) -> int:
        return self.history[-1].number

    @property
    def as_built(self) -> dict[str, Any]:
        return dict(self.history[-1].configuration)

    def apply_modification(
        self, modification: Modification, order_reference: str, now: datetime
    ) -> ConfigurationVersion:
        """Record a delivered modification as the next as-built version."""
        self.check_version(modification.based_on_version)
        reason = modification.description or f"{modification.kind.value} delivered"
        version = ConfigurationVersion(
            self.version + 1, self.as_built | modification.changes, now, reason, order_reference
        )
        self.history.append(version)
        return version

    def check_version(self, expected: int) -> None:
        """Another modification delivered in between changes what a new one must fit."""
        if expected != self.version:
            raise Conflict(
                f"unit {self.serial} is at configuration version {self.version}, not "
                f"{expected}; validate the modification against the current version",
                code="unit_changed",
                extra={
                    "serial": self.serial,
                    "current_version": self.version,
                    "expected_version": expected,
                },
            )


def validate_modification(unit: Unit, modification: Modification, fits: FitCheck) -> None:
    """Raise BusinessRuleViolation listing every reason the modification does not fit."""
    unit.check_version(modification.based_on_version)
    problems = []
    if not modification.changes:
        problems.append(FieldProblem("changes", "required", "say what the modification changes"))
    problems += fits(unit.as_built, dict(modification.changes))
    if problems:
        raise BusinessRuleViolation(
            f"the {modification.kind.value} does not fit unit {unit.serial} as built "
            f"(version {unit.version})",
            code="incompatible_modification",
            errors=problems,
            extra={"serial": unit.serial, "as_built_version": unit.version},
        )


def _check_serial(serial: str) -> None:
    if not serial.strip():
        raise BusinessRuleViolation(
            "a unit needs a serial",
            code="invalid_serial",
            errors=[FieldProblem("serial", "required", "must not be empty")],
        )
