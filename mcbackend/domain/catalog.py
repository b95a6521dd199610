"""Product definitions: attributes, rules, presets and pricing policy as frozen data.

A definition is written as a JSON-able dict (see ``mcbackend.demo.catalog`` for examples)
and parsed by :meth:`ProductDefinition.from_dict`, which reports *every* structural problem
at once with its JSON path. ``to_dict`` writes the canonical form back: keys that hold their
default value are left out, so a canonical dict round-trips exactly.

Whether the rules can be satisfied together needs a solver and lives in
``mcbackend.configurator``; this module only knows what is well-formed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Any, ClassVar

from mcbackend.domain.errors import BusinessRuleViolation, FieldProblem

Number = int | float | str
ATTRIBUTE_TYPES = ("choice", "multi", "number", "text", "boolean", "file", "proportions")
MODES = ("pre", "co", "post", "bespoke")
MILESTONE_EVENTS = ("proof_approved", "production_started", "shipped")
LINEAR_OPS = ("<=", ">=", "==")
WILDCARD = "*"
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")
_LATIN = re.compile(r"^[A-Za-z]+$")
_CYRILLIC = re.compile(r"^[\u0400-\u04FF]+$")
_PRINTABLE = re.compile(r"^[^\x00-\x1f\x7f]*$")
# A monogram is written in one script: Latin or Cyrillic, never a mix of both.
ALPHABETS: dict[str, tuple[str, ...]] = {
    "latin": ("Latin letters",),
    "cyrillic": ("Cyrillic letters",),
    "latin_or_cyrillic": ("Latin or Cyrillic letters",),
    "digits": ("digits",),
    "printable": ("printable characters",),
}


def to_decimal(raw: Any) -> Decimal | None:
    """A JSON number (or numeric string) as an exact Decimal; None if it is not one."""
    if isinstance(raw, Decimal):
        return raw if raw.is_finite() else None
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        return None
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def alphabet_matches(alphabet: str, text: str) -> bool:
    if alphabet == "latin":
        return bool(_LATIN.match(text))
    if alphabet == "cyrillic":
        return bool(_CYRILLIC.match(text))
    if alphabet == "latin_or_cyrillic":
        return bool(_LATIN.match(text) or _CYRILLIC.match(text))
    if alphabet == "digits":
        return text.isascii() and text.isdigit()
    return bool(_PRINTABLE.match(text))


# --- attributes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    """One value of a choice or multi-choice attribute, with its price and lead-time effect."""

    code: str
    label: str
    price: int = 0  # minor units
    price_percent: Number | None = None  # of the product's base price
    lead_time_days: int = 0


@dataclass(frozen=True)
class Part:
    """One part of a proportion group (one half of a half-and-half cake)."""

    code: str
    label: str


@dataclass(frozen=True)
class PerUnitPrice:
    """``amount`` per ``per`` units of a number above ``above`` (e.g. 45.00 per 10 cm)."""

    amount: int
    per: Number
    above: Number | None = None


@dataclass(frozen=True)
class ValueProblem:
    code: str
    message: str


@dataclass(frozen=True)
class Attribute:
    """A choice point. Which fields matter depends on ``type``:

    choice/multi: ``values`` (multi also ``min_count``/``max_count``);
    number: ``unit``, ``min``, ``max``, ``step``, ``decimals``, ``price_per_unit``;
    text: ``max_length`` and ``alphabet`` or ``pattern``; file: ``accept``, ``max_size_bytes``;
    proportions: ``parts``, ``step`` (parts are whole percents summing to ``total``);
    boolean/text: ``price`` and ``lead_time_days`` apply when set/true.
    """

    code: str
    label: str
    type: str
    required: bool
    default: Any = None
    values: tuple[Choice, ...] = ()
    min_count: int = 0
    max_count: int | None = None
    unit: str = ""
    min: Number | None = None
    max: Number | None = None
    step: Number | None = None
    decimals: int = 0
    price_per_unit: PerUnitPrice | None = None
    max_length: int | None = None
    alphabet: str | None = None
    pattern: str | None = None
    accept: tuple[str, ...] = ()
    max_size_bytes: int | None = None
    parts: tuple[Part, ...] = ()
    total: int = 100
    price: int = 0
    lead_time_days: int = 0

    REQUIRED_BY_DEFAULT: ClassVar[dict[str, bool]] = {
        "choice": True,
        "number": True,
        "text": False,
        "file": False,
    }

    @property
    def optional(self) -> bool:
        """True if the attribute may be left unset (multi, boolean, proportions never are)."""
        return self.type in self.REQUIRED_BY_DEFAULT and not self.required

    @cached_property
    def value_index(self) -> dict[str, int]:
        return {value.code: index for index, value in enumerate(self.values)}

    @cached_property
    def part_index(self) -> dict[str, int]:
        return {part.code: index for index, part in enumerate(self.parts)}

    def value_label(self, code: Any) -> str:
        index = self.value_index.get(code) if isinstance(code, str) else None
        return self.values[index].label if index is not None else str(code)

    # Numbers are held as integers scaled by 10**decimals, so steps of 0.5 are exact.
    def scaled(self, value: Decimal) -> int | None:
        scaled = value.scaleb(self.decimals)
        return int(scaled) if scaled == scaled.to_integral_value() else None

    @cached_property
    def scaled_bounds(self) -> tuple[int, int, int]:
        """(min, max, step) of a number, or (0, total, step) of proportion parts, scaled."""
        if self.type == "proportions":
            return 0, self.total, int(self.step or 1)
        low, high, step = (self.scaled(to_decimal(x)) for x in (self.min, self.max, self.step))
        assert low is not None and high is not None and step is not None
        return low, high, step

    @cached_property
    def grid_size(self) -> int:
        """How many steps a number (or a proportion part) can take above its minimum."""
        low, high, step = self.scaled_bounds
        return (high - low) // step

    def format_number(self, value: Decimal | int) -> str:
        text = f"{Decimal(value):.{self.decimals}f}" if self.type == "number" else f"{value}"
        unit = "%" if self.type == "proportions" else f" {self.unit}" if self.unit else ""
        return f"{text}{unit}"

    def check(self, value: Any) -> list[ValueProblem]:
        """Domain problems of one value of this attribute (not the rules between attributes)."""
        checker = getattr(self, f"_check_{self.type}")
        return checker(value)

    def _check_choice(self, value: Any) -> list[ValueProblem]:
        if not isinstance(value, str) or value not in self.value_index:
            return [ValueProblem("unknown_value", f"{value!r} is not a {self.label} we offer.")]
        return []

    def _check_multi(self, value: Any) -> list[ValueProblem]:
        if not isinstance(value, list):
            return [ValueProblem("wrong_type", f"{self.label} takes a list of choices.")]
        unknown = [v for v in value if not isinstance(v, str) or v not in self.value_index]
        if unknown:
            return [
                ValueProblem(
                    "unknown_value",
                    f"{', '.join(map(repr, unknown))} not offered for {self.label}.",
                )
            ]
        if len(set(value)) != len(value):
            return [ValueProblem("duplicate_value", f"{self.label} lists a choice twice.")]
        problems = []
        if len(value) < self.min_count:
            problems.append(
                ValueProblem(
                    "too_few_choices", f"Choose at least {self.min_count} for {self.label}."
                )
            )
        if self.max_count is not None and len(value) > self.max_count:
            problems.append(
                ValueProblem(
                    "too_many_choices", f"Choose at most {self.max_count} for {self.label}."
                )
            )
        return problems

    def _check_boolean(self, value: Any) -> list[ValueProblem]:
        if not isinstance(value, bool):
            return [ValueProblem("wrong_type", f"{self.label} is yes or no (true or false).")]
        return []

    def _check_number(self, value: Any) -> list[ValueProblem]:
        number = to_decimal(value)
        if number is None:
            return [ValueProblem("wrong_type", f"{self.label} must be a number.")]
        low, high, step = self.scaled_bounds
        scaled = self.scaled(number)
        if scaled is None or not low <= scaled <= high:
            if low <= number.scaleb(self.decimals) <= high:
                return [ValueProblem("step_mismatch", self._step_message(number))]
            return [
                ValueProblem(
                    "out_of_range",
                    f"{self.label} must be between {self.format_number(to_decimal(self.min))} and "
                    f"{self.format_number(to_decimal(self.max))}; you chose "
                    f"{self.format_number(number)}.",
                )
            ]
        if (scaled - low) % step:
            return [ValueProblem("step_mismatch", self._step_message(number))]
        return []

    def _step_message(self, number: Decimal) -> str:
        return (
            f"{self.label} goes in steps of {self.format_number(to_decimal(self.step))} "
            f"from {self.format_number(to_decimal(self.min))}; "
            f"{self.format_number(number)} is between steps."
        )

    def _check_text(self, value: Any) -> list[ValueProblem]:
        if not isinstance(value, str):
            return [ValueProblem("wrong_type", f"{self.label} must be text.")]
        problems = []
        if self.max_length is not None and len(value) > self.max_length:
            problems.append(
                ValueProblem(
                    "too_long",
                    f"{self.label} may have at most {self.max_length} characters; "
                    f"{value!r} has {len(value)}.",
                )
            )
        if self.alphabet and not alphabet_matches(self.alphabet, value):
            problems.append(
                ValueProblem(
                    "alphabet", f"{self.label} may use {ALPHABETS[self.alphabet][0]} only."
                )
            )
        if self.pattern and not re.fullmatch(self.pattern, value):
            problems.append(ValueProblem("pattern", f"{value!r} is not a valid {self.label}."))
        return problems

    def _check_file(self, value: Any) -> list[ValueProblem]:
        if not isinstance(value, dict) or not isinstance(value.get("name"), str):
            return [
                ValueProblem("wrong_type", f"{self.label} must be a file reference with a name.")
            ]
        problems = []
        name = value["name"].lower()
        content_type = str(value.get("content_type", "")).lower()
        if self.accept and not any(
            name.endswith(kind) if kind.startswith(".") else content_type == kind
            for kind in self.accept
        ):
            problems.append(
                ValueProblem("file_type", f"{self.label} must be one of {', '.join(self.accept)}.")
            )
        size = value.get("size")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            problems.append(ValueProblem("wrong_type", f"{self.label} needs its size in bytes."))
        elif self.max_size_bytes is not None and size > self.max_size_bytes:
            problems.append(
                ValueProblem(
                    "file_size",
                    f"{self.label} may be at most {self.max_size_bytes} bytes; "
                    f"this file has {size}.",
                )
            )
        return problems

    def _check_proportions(self, value: Any) -> list[ValueProblem]:
        if not isinstance(value, dict):
            return [ValueProblem("wrong_type", f"{self.label} maps each part to a percentage.")]
        unknown = [p for p in value if p not in self.part_index]
        if unknown:
            return [
                ValueProblem(
                    "unknown_value",
                    f"{', '.join(map(repr, unknown))} is not a part of {self.label}.",
                )
            ]
        step = int(self.step or 1)
        bad = [
            p
            for p, share in value.items()
            if not isinstance(share, int) or isinstance(share, bool) or share < 0
        ]
        if bad:
            return [ValueProblem("wrong_type", f"{self.label} parts are whole percentages.")]
        problems = []
        if any(share % step for share in value.values()):
            problems.append(
                ValueProblem("step_mismatch", f"{self.label} parts go in steps of {step} %.")
            )
        if sum(value.values()) != self.total:
            problems.append(
                ValueProblem(
                    "proportion_sum",
                    f"The parts of {self.label} must add up to {self.total} %; "
                    f"they add up to {sum(value.values())} %.",
                )
            )
        return problems


# --- conditions and rules -------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    """A test on one attribute (or one part of a proportion group).

    ``kind`` is ``is`` / ``in`` / ``not_in`` (against ``values``), ``range`` (``low``/``high``,
    either may be None) or ``set`` (``values == (True,)`` or ``(False,)``). A condition on an
    attribute that is not set is false, except ``set: false``.
    """

    attribute: str
    kind: str
    values: tuple[Any, ...] = ()
    low: Number | None = None
    high: Number | None = None
    part: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"attribute": self.attribute}
        if self.part is not None:
            out["part"] = self.part
        if self.kind == "range":
            if self.low is not None:
                out["min"] = self.low
            if self.high is not None:
                out["max"] = self.high
        elif self.kind in ("is", "set"):
            out[self.kind] = self.values[0]
        else:
            out[self.kind] = list(self.values)
        return out


@dataclass(frozen=True)
class Term:
    attribute: str
    coef: int
    part: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"attribute": self.attribute}
        if self.part is not None:
            out["part"] = self.part
        out["coef"] = self.coef
        return out


@dataclass(frozen=True)
class Rule:
    """Fields shared by every rule: a stable id, an optional customer-facing message and
    ``when``, the conditions (all of them) under which the rule applies."""

    id: str
    message: str | None
    when: tuple[Condition, ...]

    type: ClassVar[str] = ""

    def attributes(self) -> list[str]:
        """Every attribute the rule mentions, in order of first mention."""
        names = [c.attribute for c in self.when] + self._own_attributes()
        return list(dict.fromkeys(names))

    def _own_attributes(self) -> list[str]:
        return []

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.when:
            out["when"] = [c.to_dict() for c in self.when]
        out.update(self._fields())
        if self.message is not None:
            out["message"] = self.message
        return out

    def _fields(self) -> dict[str, Any]:
        return {}


@dataclass(frozen=True)
class Requires(Rule):
    """When ``when`` holds, every condition in ``then`` must hold."""

    then: tuple[Condition, ...] = ()
    type: ClassVar[str] = "requires"

    def _own_attributes(self) -> list[str]:
        return [c.attribute for c in self.then]

    def _fields(self) -> dict[str, Any]:
        return {"then": [c.to_dict() for c in self.then]}


@dataclass(frozen=True)
class Excludes(Rule):
    """When ``when`` holds, none of the conditions in ``then`` may hold."""

    then: tuple[Condition, ...] = ()
    type: ClassVar[str] = "excludes"

    def _own_attributes(self) -> list[str]:
        return [c.attribute for c in self.then]

    def _fields(self) -> dict[str, Any]:
        return {"then": [c.to_dict() for c in self.then]}


@dataclass(frozen=True)
class ConditionalDomain(Rule):
    """When ``when`` holds, one attribute is limited to a domain (``then``)."""

    then: Condition | None = None
    type: ClassVar[str] = "conditional_domain"

    def _own_attributes(self) -> list[str]:
        return [self.then.attribute] if self.then else []

    def _fields(self) -> dict[str, Any]:
        return {"then": self.then.to_dict() if self.then else None}


@dataclass(frozen=True)
class Combination(Rule):
    """A variant table over choice/boolean attributes: rows that are allowed (the values must
    match one row) or forbidden. ``*`` matches anything. Applies when every column is set."""

    columns: tuple[str, ...] = ()
    rows: tuple[tuple[Any, ...], ...] = ()
    allowed: bool = True
    type: ClassVar[str] = "combination"

    def _own_attributes(self) -> list[str]:
        return list(self.columns)

    def _fields(self) -> dict[str, Any]:
        return {
            "attributes": list(self.columns),
            "allowed" if self.allowed else "forbidden": [list(row) for row in self.rows],
        }


@dataclass(frozen=True)
class Linear(Rule):
    """``sum(coef * value) op rhs`` over numbers and proportion parts, when all are set."""

    terms: tuple[Term, ...] = ()
    op: str = "<="
    rhs: Number = 0
    type: ClassVar[str] = "linear"

    def _own_attributes(self) -> list[str]:
        return [t.attribute for t in self.terms]

    def _fields(self) -> dict[str, Any]:
        return {"terms": [t.to_dict() for t in self.terms], "op": self.op, "rhs": self.rhs}


@dataclass(frozen=True)
class Cardinality(Rule):
    """Between ``min`` and ``max`` of the conditions in ``of`` hold."""

    of: tuple[Condition, ...] = ()
    min: int | None = None
    max: int | None = None
    type: ClassVar[str] = "cardinality"

    def _own_attributes(self) -> list[str]:
        return [c.attribute for c in self.of]

    def _fields(self) -> dict[str, Any]:
        out: dict[str, Any] = {"of": [c.to_dict() for c in self.of]}
        if self.min is not None:
            out["min"] = self.min
        if self.max is not None:
            out["max"] = self.max
        return out


@dataclass(frozen=True)
class Tier(Rule):
    """When ``when`` holds, a tier attribute (values ordered low to high) is at least
    ``min_tier``: "heated wheel only with premium trim or above"."""

    attribute: str = ""
    min_tier: str = ""
    type: ClassVar[str] = "tier"

    def _own_attributes(self) -> list[str]:
        return [self.attribute]

    def _fields(self) -> dict[str, Any]:
        return {"attribute": self.attribute, "min_tier": self.min_tier}


@dataclass(frozen=True)
class Implies(Rule):
    """When ``when`` holds, an attribute takes one value (a choice, boolean or number)."""

    attribute: str = ""
    value: Any = None
    type: ClassVar[str] = "implies"

    def _own_attributes(self) -> list[str]:
        return [self.attribute]

    def _fields(self) -> dict[str, Any]:
        return {"set": {"attribute": self.attribute, "value": self.value}}


RULE_TYPES: dict[str, type[Rule]] = {
    cls.type: cls
    for cls in (
        Requires,
        Excludes,
        ConditionalDomain,
        Combination,
        Linear,
        Cardinality,
        Tier,
        Implies,
    )
}


# --- presets and pricing ------------------------------------------------------------------


@dataclass(frozen=True)
class Preset:
    """A named starting configuration (``start``) or package kit (``package``)."""

    code: str
    label: str
    kind: str
    values: dict[str, Any]

    def apply(self, configuration: dict[str, Any]) -> dict[str, Any]:
        """A starting configuration is the base the customer's own choices refine; a
        package kit replaces the customer's choices for the attributes it covers."""
        if self.kind == "start":
            return {**self.values, **configuration}
        return {**configuration, **self.values}

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "label": self.label,
            "kind": self.kind,
            "values": dict(self.values),
        }


@dataclass(frozen=True)
class RushTier:
    up_to_days: int  # how many working days inside the standard lead time
    percent: Number


@dataclass(frozen=True)
class QuantityBreak:
    min_quantity: int
    percent_off: Number


@dataclass(frozen=True)
class Milestone:
    event: str
    percent: Number


@dataclass(frozen=True)
class PaymentPlanPolicy:
    """Deposit and milestone percentages of the total; the final balance is the remainder."""

    deposit_percent: Number
    milestones: tuple[Milestone, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "deposit_percent": self.deposit_percent,
            "milestones": [{"event": m.event, "percent": m.percent} for m in self.milestones],
        }


@dataclass(frozen=True)
class PricingPolicy:
    customization_fee: tuple[tuple[str, int], ...] = ()  # (mode, fee in minor units)
    rush_tiers: tuple[RushTier, ...] = ()
    revisions_included: int | None = None
    price_per_extra_round: int = 0
    quantity_breaks: tuple[QuantityBreak, ...] = ()
    payment_plan: PaymentPlanPolicy = PaymentPlanPolicy(deposit_percent=100)
    quote_valid_days: int = 14

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.customization_fee:
            out["customization_fee"] = dict(self.customization_fee)
        if self.rush_tiers:
            out["rush"] = {
                "tiers": [
                    {"up_to_days": t.up_to_days, "percent": t.percent} for t in self.rush_tiers
                ]
            }
        if self.revisions_included is not None:
            out["revisions"] = {
                "included": self.revisions_included,
                "price_per_extra_round": self.price_per_extra_round,
            }
        if self.quantity_breaks:
            out["quantity_breaks"] = [
                {"min_quantity": b.min_quantity, "percent_off": b.percent_off}
                for b in self.quantity_breaks
            ]
        out["payment_plan"] = self.payment_plan.to_dict()
        out["quote_valid_days"] = self.quote_valid_days
        return out


# --- the product ----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ProductDefinition:
    """One version of a product: what can be chosen, what must hold, and what it costs.

    Compared by identity: the configurator caches compiled solver models per object.
    """

    sku: str
    name: str
    description: str
    currency: str
    base_price: int
    base_lead_time_days: int
    modes: tuple[str, ...]
    job_template: str
    attributes: tuple[Attribute, ...]
    rules: tuple[Rule, ...]
    presets: tuple[Preset, ...]
    pricing: PricingPolicy

    @cached_property
    def attribute_by_code(self) -> dict[str, Attribute]:
        return {a.code: a for a in self.attributes}

    def attribute(self, code: str) -> Attribute:
        return self.attribute_by_code[code]

    @classmethod
    def from_dict(cls, data: Any) -> ProductDefinition:
        """Parse a definition; raise BusinessRuleViolation (``invalid_catalog``) listing
        every problem with its JSON path."""
        parser = _Parser()
        definition = parser.product(data)
        if parser.problems or definition is None:
            raise invalid_catalog(parser.problems)
        return definition

    def to_dict(self) -> dict[str, Any]:
        return {
            "sku": self.sku,
            "name": self.name,
            "description": self.description,
            "currency": self.currency,
            "base_price": self.base_price,
            "base_lead_time_days": self.base_lead_time_days,
            "modes": list(self.modes),
            "job_template": self.job_template,
            "attributes": [_attribute_to_dict(a) for a in self.attributes],
            "rules": [r.to_dict() for r in self.rules],
            "presets": [p.to_dict() for p in self.presets],
            "pricing": self.pricing.to_dict(),
        }


def invalid_catalog(problems: list[FieldProblem]) -> BusinessRuleViolation:
    count = len(problems)
    return BusinessRuleViolation(
        f"the product definition has {count} problem{'s' if count != 1 else ''}",
        code="invalid_catalog",
        errors=problems,
    )


def _attribute_to_dict(a: Attribute) -> dict[str, Any]:
    out: dict[str, Any] = {"code": a.code, "label": a.label, "type": a.type}
    if (
        a.type in Attribute.REQUIRED_BY_DEFAULT
        and a.required != Attribute.REQUIRED_BY_DEFAULT[a.type]
    ):
        out["required"] = a.required
    if a.values:
        out["values"] = [_choice_to_dict(v) for v in a.values]
    if a.type == "multi":
        if a.min_count:
            out["min_count"] = a.min_count
        if a.max_count is not None:
            out["max_count"] = a.max_count
    if a.type == "number":
        if a.unit:
            out["unit"] = a.unit
        out.update({"min": a.min, "max": a.max, "step": a.step})
        if a.decimals:
            out["decimals"] = a.decimals
        if a.price_per_unit:
            per_unit: dict[str, Any] = {
                "amount": a.price_per_unit.amount,
                "per": a.price_per_unit.per,
            }
            if a.price_per_unit.above is not None:
                per_unit["above"] = a.price_per_unit.above
            out["price_per_unit"] = per_unit
    if a.type == "text":
        out["max_length"] = a.max_length
        if a.alphabet:
            out["alphabet"] = a.alphabet
        if a.pattern:
            out["pattern"] = a.pattern
    if a.type == "file":
        out["accept"] = list(a.accept)
        out["max_size_bytes"] = a.max_size_bytes
    if a.type == "proportions":
        if a.step is not None:
            out["step"] = a.step
        out["parts"] = [{"code": p.code, "label": p.label} for p in a.parts]
    if a.default is not None:
        out["default"] = a.default
    if a.price:
        out["price"] = a.price
    if a.lead_time_days:
        out["lead_time_days"] = a.lead_time_days
    return out


def _choice_to_dict(v: Choice) -> dict[str, Any]:
    out: dict[str, Any] = {"code": v.code, "label": v.label}
    if v.price:
        out["price"] = v.price
    if v.price_percent is not None:
        out["price_percent"] = v.price_percent
    if v.lead_time_days:
        out["lead_time_days"] = v.lead_time_days
    return out


# --- parsing ----------------------------------------------------------------------------------

_ATTRIBUTE_KEYS = {
    "choice": {"values", "required", "default"},
    "multi": {"values", "min_count", "max_count", "default"},
    "number": {"unit", "min", "max", "step", "decimals", "price_per_unit", "required", "default"},
    "text": {"max_length", "alphabet", "pattern", "required", "default", "price", "lead_time_days"},
    "boolean": {"default", "price", "lead_time_days"},
    "file": {"accept", "max_size_bytes", "required"},
    "proportions": {"parts", "step", "default"},
}
_RULE_KEYS = {
    "requires": {"then"},
    "excludes": {"then"},
    "conditional_domain": {"then"},
    "combination": {"attributes", "allowed", "forbidden"},
    "linear": {"terms", "op", "rhs"},
    "cardinality": {"of", "min", "max"},
    "tier": {"attribute", "min_tier"},
    "implies": {"set"},
}


class _Parser:
    """Walks a definition dict, building dataclasses and collecting every problem."""

    def __init__(self) -> None:
        self.problems: list[FieldProblem] = []
        self.attributes: dict[str, Attribute] = {}

    def problem(self, path: str, code: str, message: str) -> None:
        self.problems.append(FieldProblem(path, code, message))

    def obj(self, data: Any, path: str, allowed: set[str], required: set[str]) -> bool:
        if not isinstance(data, dict):
            self.problem(path, "wrong_type", "must be an object")
            return False
        for key in sorted(set(data) - allowed - required):
            self.problem(f"{path}.{key}" if path else key, "unknown_field", "unknown field")
        for key in sorted(required - set(data)):
            self.problem(f"{path}.{key}" if path else key, "missing", "is required")
        return not (required - set(data))

    def text(self, data: dict[str, Any], key: str, path: str) -> str:
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            self.problem(path, "wrong_type", "must be a non-empty string")
            return ""
        return value

    def code(self, data: dict[str, Any], key: str, path: str) -> str:
        value = self.text(data, key, path)
        if value and not _CODE.match(value):
            self.problem(
                path,
                "invalid_code",
                "must be lower-case letters, digits and underscores, starting with a letter",
            )
        return value

    def integer(
        self,
        data: dict[str, Any],
        key: str,
        path: str,
        default: int | None = None,
        minimum: int = 0,
    ) -> int:
        value = data.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            self.problem(path, "wrong_type", f"must be an integer ≥ {minimum}")
            return minimum
        return value

    def number(self, data: dict[str, Any], key: str, path: str) -> Number | None:
        value = data.get(key)
        if to_decimal(value) is None:
            self.problem(path, "wrong_type", "must be a number")
            return None
        return value

    def listed(
        self, data: dict[str, Any], key: str, path: str, *, nonempty: bool = True
    ) -> list[Any]:
        value = data.get(key, [])
        if not isinstance(value, list) or (nonempty and not value):
            self.problem(
                path, "wrong_type", "must be a non-empty list" if nonempty else "must be a list"
            )
            return []
        return value

    # product

    def product(self, data: Any) -> ProductDefinition | None:
        top = {
            "sku",
            "name",
            "description",
            "currency",
            "base_price",
            "base_lead_time_days",
            "modes",
            "job_template",
            "attributes",
            "rules",
            "presets",
            "pricing",
        }
        if not self.obj(data, "", top, top - {"description", "rules", "presets", "pricing"}):
            return None
        currency = self.text(data, "currency", "currency")
        if currency and not re.fullmatch(r"[A-Z]{3}", currency):
            self.problem("currency", "invalid_currency", "must be an ISO 4217 code like EUR")
        modes = self.listed(data, "modes", "modes")
        for i, mode in enumerate(modes):
            if mode not in MODES:
                self.problem(f"modes[{i}]", "unknown_mode", f"must be one of {', '.join(MODES)}")
        if len(set(map(str, modes))) != len(modes):
            self.problem("modes", "duplicate", "lists a mode twice")
        attributes = []
        for i, raw in enumerate(self.listed(data, "attributes", "attributes")):
            attribute = self.attribute(raw, f"attributes[{i}]")
            if attribute is None:
                continue
            if attribute.code in self.attributes:
                self.problem(
                    f"attributes[{i}].code",
                    "duplicate",
                    f"attribute {attribute.code!r} is defined twice",
                )
                continue
            self.attributes[attribute.code] = attribute
            attributes.append(attribute)
        rules = []
        seen_ids: set[str] = set()
        for i, raw in enumerate(self.listed(data, "rules", "rules", nonempty=False)):
            rule = self.rule(raw, f"rules[{i}]")
            if rule is None:
                continue
            if rule.id in seen_ids:
                self.problem(f"rules[{i}].id", "duplicate", f"rule id {rule.id!r} is used twice")
            seen_ids.add(rule.id)
            rules.append(rule)
        presets = []
        for i, raw in enumerate(self.listed(data, "presets", "presets", nonempty=False)):
            preset = self.preset(raw, f"presets[{i}]")
            if preset is not None:
                if preset.code in {p.code for p in presets}:
                    self.problem(
                        f"presets[{i}].code",
                        "duplicate",
                        f"preset {preset.code!r} is defined twice",
                    )
                presets.append(preset)
        pricing = self.pricing(data.get("pricing", {}), "pricing")
        return ProductDefinition(
            sku=self.text(data, "sku", "sku"),
            name=self.text(data, "name", "name"),
            description=self.description(data),
            currency=currency,
            base_price=self.integer(data, "base_price", "base_price"),
            base_lead_time_days=self.integer(data, "base_lead_time_days", "base_lead_time_days"),
            modes=tuple(m for m in modes if m in MODES),
            job_template=self.text(data, "job_template", "job_template"),
            attributes=tuple(attributes),
            rules=tuple(rules),
            presets=tuple(presets),
            pricing=pricing,
        )

    def description(self, data: dict[str, Any]) -> str:
        value = data.get("description", "")
        if not isinstance(value, str):
            self.problem("description", "wrong_type", "must be a string")
            return ""
        return value

    # attributes

    def attribute(self, data: Any, path: str) -> Attribute | None:
        if not isinstance(data, dict):
            self.problem(path, "wrong_type", "must be an object")
            return None
        kind = data.get("type")
        if kind not in ATTRIBUTE_TYPES:
            self.problem(
                f"{path}.type", "unknown_type", f"must be one of {', '.join(ATTRIBUTE_TYPES)}"
            )
            return None
        if not self.obj(
            data, path, {"code", "label", "type"} | _ATTRIBUTE_KEYS[kind], {"code", "label", "type"}
        ):
            return None
        before = len(self.problems)
        fields: dict[str, Any] = {
            "code": self.code(data, "code", f"{path}.code"),
            "label": self.text(data, "label", f"{path}.label"),
            "type": kind,
            "required": Attribute.REQUIRED_BY_DEFAULT.get(kind, True),
        }
        if "required" in data:
            if isinstance(data["required"], bool):
                fields["required"] = data["required"]
            else:
                self.problem(f"{path}.required", "wrong_type", "must be true or false")
        for key in ("price", "lead_time_days"):
            if key in data:
                fields[key] = self.integer(data, key, f"{path}.{key}")
        getattr(self, f"_{kind}_fields")(data, path, fields)
        if len(self.problems) > before:
            return None
        attribute = Attribute(**fields)
        if "default" in data:
            for problem in attribute.check(data["default"]):
                self.problem(f"{path}.default", problem.code, problem.message)
            attribute = Attribute(**fields, default=data["default"])
        return attribute

    def _choices(self, data: dict[str, Any], path: str) -> tuple[Choice, ...]:
        values = []
        for i, raw in enumerate(self.listed(data, "values", f"{path}.values")):
            where = f"{path}.values[{i}]"
            if not self.obj(
                raw, where, {"price", "price_percent", "lead_time_days"}, {"code", "label"}
            ):
                continue
            choice = Choice(
                code=self.code(raw, "code", f"{where}.code"),
                label=self.text(raw, "label", f"{where}.label"),
                price=self.integer(raw, "price", f"{where}.price", 0, minimum=-(10**12)),
                price_percent=(
                    self.number(raw, "price_percent", f"{where}.price_percent")
                    if "price_percent" in raw
                    else None
                ),
                lead_time_days=self.integer(raw, "lead_time_days", f"{where}.lead_time_days", 0),
            )
            if choice.code in {v.code for v in values}:
                self.problem(f"{where}.code", "duplicate", f"value {choice.code!r} is listed twice")
            values.append(choice)
        return tuple(values)

    def _choice_fields(self, data: dict[str, Any], path: str, fields: dict[str, Any]) -> None:
        fields["values"] = self._choices(data, path)

    def _multi_fields(self, data: dict[str, Any], path: str, fields: dict[str, Any]) -> None:
        fields["values"] = values = self._choices(data, path)
        fields["min_count"] = low = self.integer(data, "min_count", f"{path}.min_count", 0)
        if "max_count" in data:
            fields["max_count"] = high = self.integer(data, "max_count", f"{path}.max_count")
            if not low <= high <= len(values):
                self.problem(
                    f"{path}.max_count",
                    "invalid_range",
                    "must be between min_count and the number of values",
                )
        elif low > len(values):
            self.problem(f"{path}.min_count", "invalid_range", "exceeds the number of values")

    def _number_fields(self, data: dict[str, Any], path: str, fields: dict[str, Any]) -> None:
        if "unit" in data:
            fields["unit"] = self.text(data, "unit", f"{path}.unit")
        fields["decimals"] = decimals = self.integer(data, "decimals", f"{path}.decimals", 0)
        for key in ("min", "max", "step"):
            if key not in data:
                self.problem(f"{path}.{key}", "missing", "is required")
                continue
            fields[key] = self.number(data, key, f"{path}.{key}")
            value = to_decimal(fields[key])
            if (
                value is not None
                and value.scaleb(decimals) != value.scaleb(decimals).to_integral_value()
            ):
                self.problem(f"{path}.{key}", "too_precise", f"has more than {decimals} decimals")
        low, high, step = (to_decimal(fields.get(k)) for k in ("min", "max", "step"))
        if low is not None and high is not None and low > high:
            self.problem(f"{path}.max", "invalid_range", "must not be below min")
        if step is not None and step <= 0:
            self.problem(f"{path}.step", "invalid_range", "must be positive")
        if "price_per_unit" in data:
            where = f"{path}.price_per_unit"
            raw = data["price_per_unit"]
            if self.obj(raw, where, {"above"}, {"amount", "per"}):
                per = self.number(raw, "per", f"{where}.per")
                if per is not None and to_decimal(per) <= 0:
                    self.problem(f"{where}.per", "invalid_range", "must be positive")
                fields["price_per_unit"] = PerUnitPrice(
                    amount=self.integer(raw, "amount", f"{where}.amount", minimum=-(10**12)),
                    per=per if per is not None else 1,
                    above=self.number(raw, "above", f"{where}.above") if "above" in raw else None,
                )

    def _text_fields(self, data: dict[str, Any], path: str, fields: dict[str, Any]) -> None:
        fields["max_length"] = self.integer(data, "max_length", f"{path}.max_length", minimum=1)
        if "alphabet" in data:
            if data["alphabet"] in ALPHABETS:
                fields["alphabet"] = data["alphabet"]
            else:
                self.problem(
                    f"{path}.alphabet", "unknown_alphabet", f"must be one of {', '.join(ALPHABETS)}"
                )
        if "pattern" in data:
            try:
                re.compile(data["pattern"])
                fields["pattern"] = data["pattern"]
            except (re.error, TypeError):
                self.problem(
                    f"{path}.pattern", "invalid_pattern", "is not a valid regular expression"
                )

    def _boolean_fields(self, data: dict[str, Any], path: str, fields: dict[str, Any]) -> None:
        """Booleans have no type-specific fields besides price and lead time."""

    def _file_fields(self, data: dict[str, Any], path: str, fields: dict[str, Any]) -> None:
        accept = self.listed(data, "accept", f"{path}.accept")
        for i, kind in enumerate(accept):
            if not isinstance(kind, str) or not re.fullmatch(r"\.[a-z0-9]+|[a-z]+/[\w.+-]+", kind):
                self.problem(
                    f"{path}.accept[{i}]",
                    "invalid_file_type",
                    "must be an extension like .pdf or a media type like image/png",
                )
        fields["accept"] = tuple(accept)
        fields["max_size_bytes"] = self.integer(
            data, "max_size_bytes", f"{path}.max_size_bytes", minimum=1
        )

    def _proportions_fields(self, data: dict[str, Any], path: str, fields: dict[str, Any]) -> None:
        parts = []
        for i, raw in enumerate(self.listed(data, "parts", f"{path}.parts")):
            where = f"{path}.parts[{i}]"
            if self.obj(raw, where, set(), {"code", "label"}):
                part = Part(
                    self.code(raw, "code", f"{where}.code"),
                    self.text(raw, "label", f"{where}.label"),
                )
                if part.code in {p.code for p in parts}:
                    self.problem(
                        f"{where}.code", "duplicate", f"part {part.code!r} is listed twice"
                    )
                parts.append(part)
        if len(parts) < 2:
            self.problem(f"{path}.parts", "too_few_parts", "a proportion group needs two parts")
        fields["parts"] = tuple(parts)
        if "step" in data:
            fields["step"] = step = self.integer(data, "step", f"{path}.step", minimum=1)
            if 100 % step:
                self.problem(f"{path}.step", "invalid_step", "must divide 100")

    # rules

    def condition(self, data: Any, path: str) -> Condition | None:
        operators = ("is", "in", "not_in", "set", "min", "max")
        if not self.obj(data, path, {"part", *operators}, {"attribute"}):
            return None
        attribute = self.attributes.get(data["attribute"])
        if attribute is None:
            self.problem(
                f"{path}.attribute", "unknown_attribute", f"no attribute {data['attribute']!r}"
            )
            return None
        used = [op for op in operators if op in data]
        is_range = bool(used) and set(used) <= {"min", "max"}
        if len(used) != 1 and not is_range:
            self.problem(
                path,
                "invalid_condition",
                "needs exactly one of is, in, not_in, set, or min and/or max",
            )
            return None
        kind = "range" if is_range else used[0]
        part = data.get("part")
        if (part is not None) != (attribute.type == "proportions"):
            self.problem(
                f"{path}.part",
                "type_mismatch",
                "a part is given for proportion groups, and only for them",
            )
            return None
        if part is not None and part not in attribute.part_index:
            self.problem(f"{path}.part", "unknown_value", f"{attribute.label} has no part {part!r}")
            return None
        allowed_kinds = {
            "choice": {"is", "in", "not_in", "set"},
            "multi": {"is", "in", "not_in"},
            "boolean": {"is"},
            "number": {"is", "range", "set"},
            "text": {"set"},
            "file": {"set"},
            "proportions": {"range"},
        }[attribute.type]
        if kind not in allowed_kinds:
            self.problem(
                path,
                "type_mismatch",
                f"{attribute.label} ({attribute.type}) cannot be tested with {kind!r}",
            )
            return None
        if kind == "set":
            if not isinstance(data["set"], bool):
                self.problem(f"{path}.set", "wrong_type", "must be true or false")
                return None
            return Condition(attribute.code, "set", (data["set"],))
        if kind == "range":
            low = self.number(data, "min", f"{path}.min") if "min" in data else None
            high = self.number(data, "max", f"{path}.max") if "max" in data else None
            return Condition(attribute.code, "range", low=low, high=high, part=part)
        raw_values = [data[kind]] if kind == "is" else data[kind]
        if not isinstance(raw_values, list) or not raw_values:
            self.problem(f"{path}.{kind}", "wrong_type", "must be a non-empty list")
            return None
        ok = True
        for i, value in enumerate(raw_values):
            where = f"{path}.{kind}" if kind == "is" else f"{path}.{kind}[{i}]"
            ok &= self.value_of(attribute, value, where)
        return Condition(attribute.code, kind, tuple(raw_values)) if ok else None

    def value_of(self, attribute: Attribute, value: Any, path: str) -> bool:
        """Is ``value`` a single value of the attribute (a choice code, boolean or number)?"""
        if attribute.type in ("choice", "multi"):
            if value not in attribute.value_index:
                self.problem(path, "unknown_value", f"{attribute.label} has no value {value!r}")
                return False
            return True
        if attribute.type == "boolean" and isinstance(value, bool):
            return True
        if attribute.type == "number" and to_decimal(value) is not None:
            return True
        self.problem(
            path,
            "type_mismatch",
            f"{value!r} is not a value of {attribute.label} ({attribute.type})",
        )
        return False

    def conditions(
        self, data: dict[str, Any], key: str, path: str, *, nonempty: bool
    ) -> tuple[Condition, ...] | None:
        raw = data.get(key, [])
        if not isinstance(raw, list) or (nonempty and not raw):
            self.problem(
                f"{path}.{key}",
                "wrong_type",
                "must be a non-empty list of conditions"
                if nonempty
                else "must be a list of conditions",
            )
            return None
        parsed = [self.condition(c, f"{path}.{key}[{i}]") for i, c in enumerate(raw)]
        if any(c is None for c in parsed):
            return None
        return tuple(c for c in parsed if c is not None)

    def rule(self, data: Any, path: str) -> Rule | None:
        if not isinstance(data, dict):
            self.problem(path, "wrong_type", "must be an object")
            return None
        kind = data.get("type")
        if kind not in RULE_TYPES:
            self.problem(
                f"{path}.type", "unknown_rule_type", f"must be one of {', '.join(RULE_TYPES)}"
            )
            return None
        if not self.obj(
            data, path, {"id", "type", "message", "when"} | _RULE_KEYS[kind], {"id", "type"}
        ):
            return None
        before = len(self.problems)
        rule_id = self.text(data, "id", f"{path}.id")
        message = data.get("message")
        if message is not None and not isinstance(message, str):
            self.problem(f"{path}.message", "wrong_type", "must be a string")
        when = self.conditions(
            data,
            "when",
            path,
            nonempty=kind in ("requires", "excludes", "conditional_domain", "tier", "implies"),
        )
        fields = getattr(self, f"_{kind}_rule")(data, path)
        if len(self.problems) > before or when is None or fields is None:
            return None
        return RULE_TYPES[kind](id=rule_id, message=message, when=when, **fields)

    def _requires_rule(self, data: dict[str, Any], path: str) -> dict[str, Any] | None:
        then = self.conditions(data, "then", path, nonempty=True)
        return None if then is None else {"then": then}

    _excludes_rule = _requires_rule

    def _conditional_domain_rule(self, data: dict[str, Any], path: str) -> dict[str, Any] | None:
        if "then" not in data:
            self.problem(f"{path}.then", "missing", "is required")
            return None
        then = self.condition(data["then"], f"{path}.then")
        if then is not None and then.kind == "set":
            self.problem(f"{path}.then", "type_mismatch", "a domain is is, in, not_in or min/max")
            return None
        return None if then is None else {"then": then}

    def _combination_rule(self, data: dict[str, Any], path: str) -> dict[str, Any] | None:
        columns = self.listed(data, "attributes", f"{path}.attributes")
        attributes = []
        for i, code in enumerate(columns):
            attribute = self.attributes.get(code) if isinstance(code, str) else None
            if attribute is None:
                self.problem(
                    f"{path}.attributes[{i}]", "unknown_attribute", f"no attribute {code!r}"
                )
            elif attribute.type not in ("choice", "boolean"):
                self.problem(
                    f"{path}.attributes[{i}]",
                    "type_mismatch",
                    "variant tables take choice and boolean attributes",
                )
            else:
                attributes.append(attribute)
        if ("allowed" in data) == ("forbidden" in data):
            self.problem(path, "invalid_table", "needs either allowed or forbidden rows")
            return None
        key = "allowed" if "allowed" in data else "forbidden"
        rows = self.listed(data, key, f"{path}.{key}")
        if len(attributes) != len(columns):
            return None
        for r, row in enumerate(rows):
            where = f"{path}.{key}[{r}]"
            if not isinstance(row, list) or len(row) != len(columns):
                self.problem(where, "wrong_type", f"must be a list of {len(columns)} values")
                continue
            for c, value in enumerate(row):
                if value != WILDCARD:
                    self.value_of(attributes[c], value, f"{where}[{c}]")
        return {
            "columns": tuple(columns),
            "rows": tuple(tuple(row) for row in rows),
            "allowed": key == "allowed",
        }

    def _linear_rule(self, data: dict[str, Any], path: str) -> dict[str, Any] | None:
        terms = []
        for i, raw in enumerate(self.listed(data, "terms", f"{path}.terms")):
            where = f"{path}.terms[{i}]"
            if not self.obj(raw, where, {"part"}, {"attribute", "coef"}):
                continue
            attribute = self.attributes.get(raw["attribute"])
            if attribute is None:
                self.problem(
                    f"{where}.attribute", "unknown_attribute", f"no attribute {raw['attribute']!r}"
                )
                continue
            part = raw.get("part")
            if attribute.type == "proportions":
                if part not in attribute.part_index:
                    self.problem(
                        f"{where}.part", "unknown_value", f"{attribute.label} has no part {part!r}"
                    )
            elif attribute.type != "number" or part is not None:
                self.problem(
                    f"{where}.attribute",
                    "type_mismatch",
                    "linear rules take numbers and proportion parts",
                )
            coef = raw["coef"]
            if not isinstance(coef, int) or isinstance(coef, bool) or coef == 0:
                self.problem(f"{where}.coef", "wrong_type", "must be a non-zero integer")
            terms.append(Term(raw["attribute"], coef, part))
        op = data.get("op")
        if op not in LINEAR_OPS:
            self.problem(
                f"{path}.op", "unknown_operator", f"must be one of {', '.join(LINEAR_OPS)}"
            )
        rhs = self.number(data, "rhs", f"{path}.rhs")
        return {"terms": tuple(terms), "op": op, "rhs": rhs}

    def _cardinality_rule(self, data: dict[str, Any], path: str) -> dict[str, Any] | None:
        of = self.conditions(data, "of", path, nonempty=True)
        if of is None:
            return None
        bounds = {k: self.integer(data, k, f"{path}.{k}") for k in ("min", "max") if k in data}
        if not bounds:
            self.problem(path, "invalid_cardinality", "needs min, max or both")
        if bounds.get("min", 0) > bounds.get("max", len(of)):
            self.problem(f"{path}.max", "invalid_range", "must not be below min")
        return {"of": of, **bounds}

    def _tier_rule(self, data: dict[str, Any], path: str) -> dict[str, Any] | None:
        attribute = self.attributes.get(data.get("attribute", ""))
        if attribute is None or attribute.type != "choice":
            self.problem(
                f"{path}.attribute",
                "unknown_attribute" if attribute is None else "type_mismatch",
                "must name a choice attribute (the tiers)",
            )
            return None
        if not self.value_of(attribute, data.get("min_tier"), f"{path}.min_tier"):
            return None
        return {"attribute": attribute.code, "min_tier": data["min_tier"]}

    def _implies_rule(self, data: dict[str, Any], path: str) -> dict[str, Any] | None:
        target = data.get("set")
        if not self.obj(target, f"{path}.set", set(), {"attribute", "value"}):
            return None
        attribute = self.attributes.get(target["attribute"])
        if attribute is None:
            self.problem(
                f"{path}.set.attribute",
                "unknown_attribute",
                f"no attribute {target['attribute']!r}",
            )
            return None
        if attribute.type not in ("choice", "boolean", "number"):
            self.problem(
                f"{path}.set.attribute",
                "type_mismatch",
                "an implication sets a choice, boolean or number",
            )
            return None
        for problem in attribute.check(target["value"]):
            self.problem(f"{path}.set.value", problem.code, problem.message)
        return {"attribute": attribute.code, "value": target["value"]}

    # presets and pricing

    def preset(self, data: Any, path: str) -> Preset | None:
        if not self.obj(data, path, set(), {"code", "label", "kind", "values"}):
            return None
        if data["kind"] not in ("start", "package"):
            self.problem(f"{path}.kind", "unknown_kind", "must be start or package")
        values = data["values"]
        if not isinstance(values, dict):
            self.problem(f"{path}.values", "wrong_type", "must map attributes to values")
            return None
        for code, value in values.items():
            attribute = self.attributes.get(code)
            if attribute is None:
                self.problem(f"{path}.values.{code}", "unknown_attribute", f"no attribute {code!r}")
                continue
            for problem in attribute.check(value):
                self.problem(f"{path}.values.{code}", problem.code, problem.message)
        return Preset(
            self.code(data, "code", f"{path}.code"),
            self.text(data, "label", f"{path}.label"),
            data["kind"],
            dict(values),
        )

    def percent(self, data: dict[str, Any], key: str, path: str) -> Number:
        value = self.number(data, key, path)
        if value is not None and not 0 <= to_decimal(value) <= 100:
            self.problem(path, "invalid_range", "must be between 0 and 100")
        return value if value is not None else 0

    def pricing(self, data: Any, path: str) -> PricingPolicy:
        keys = {
            "customization_fee",
            "rush",
            "revisions",
            "quantity_breaks",
            "payment_plan",
            "quote_valid_days",
        }
        if not self.obj(data, path, keys, set()):
            return PricingPolicy()
        fields: dict[str, Any] = {}
        fees = data.get("customization_fee", {})
        if isinstance(fees, dict):
            for mode in fees:
                if mode not in MODES:
                    self.problem(
                        f"{path}.customization_fee.{mode}",
                        "unknown_mode",
                        f"must be one of {', '.join(MODES)}",
                    )
                self.integer(fees, mode, f"{path}.customization_fee.{mode}")
            fields["customization_fee"] = tuple(fees.items())
        else:
            self.problem(f"{path}.customization_fee", "wrong_type", "must map modes to fees")
        if "rush" in data and self.obj(data["rush"], f"{path}.rush", set(), {"tiers"}):
            tiers = []
            for i, raw in enumerate(self.listed(data["rush"], "tiers", f"{path}.rush.tiers")):
                where = f"{path}.rush.tiers[{i}]"
                if self.obj(raw, where, set(), {"up_to_days", "percent"}):
                    tiers.append(
                        RushTier(
                            self.integer(raw, "up_to_days", f"{where}.up_to_days", minimum=1),
                            self.number(raw, "percent", f"{where}.percent") or 0,
                        )
                    )
            if [t.up_to_days for t in tiers] != sorted({t.up_to_days for t in tiers}):
                self.problem(
                    f"{path}.rush.tiers", "unordered", "tiers must have increasing up_to_days"
                )
            fields["rush_tiers"] = tuple(tiers)
        if "revisions" in data and self.obj(
            data["revisions"], f"{path}.revisions", set(), {"included", "price_per_extra_round"}
        ):
            where = f"{path}.revisions"
            fields["revisions_included"] = self.integer(
                data["revisions"], "included", f"{where}.included"
            )
            fields["price_per_extra_round"] = self.integer(
                data["revisions"], "price_per_extra_round", f"{where}.price_per_extra_round"
            )
        breaks = []
        for i, raw in enumerate(
            self.listed(data, "quantity_breaks", f"{path}.quantity_breaks", nonempty=False)
        ):
            where = f"{path}.quantity_breaks[{i}]"
            if self.obj(raw, where, set(), {"min_quantity", "percent_off"}):
                breaks.append(
                    QuantityBreak(
                        self.integer(raw, "min_quantity", f"{where}.min_quantity", minimum=2),
                        self.percent(raw, "percent_off", f"{where}.percent_off"),
                    )
                )
        if [b.min_quantity for b in breaks] != sorted({b.min_quantity for b in breaks}):
            self.problem(
                f"{path}.quantity_breaks", "unordered", "breaks must have increasing min_quantity"
            )
        fields["quantity_breaks"] = tuple(breaks)
        if "payment_plan" in data:
            fields["payment_plan"] = self.payment_plan(data["payment_plan"], f"{path}.payment_plan")
        if "quote_valid_days" in data:
            fields["quote_valid_days"] = self.integer(
                data, "quote_valid_days", f"{path}.quote_valid_days", minimum=1
            )
        return PricingPolicy(**fields)

    def payment_plan(self, data: Any, path: str) -> PaymentPlanPolicy:
        if not self.obj(data, path, set(), {"deposit_percent", "milestones"}):
            return PaymentPlanPolicy(deposit_percent=100)
        deposit = self.percent(data, "deposit_percent", f"{path}.deposit_percent")
        milestones = []
        for i, raw in enumerate(
            self.listed(data, "milestones", f"{path}.milestones", nonempty=False)
        ):
            where = f"{path}.milestones[{i}]"
            if self.obj(raw, where, set(), {"event", "percent"}):
                if raw["event"] not in MILESTONE_EVENTS:
                    self.problem(
                        f"{where}.event",
                        "unknown_event",
                        f"must be one of {', '.join(MILESTONE_EVENTS)}",
                    )
                milestones.append(
                    Milestone(raw["event"], self.percent(raw, "percent", f"{where}.percent"))
                )
        total = to_decimal(deposit) + sum(to_decimal(m.percent) for m in milestones)
        if total > 100:
            self.problem(path, "invalid_plan", "deposit and milestones exceed 100 %")
        return PaymentPlanPolicy(deposit, tuple(milestones))


def parse_payment_plan(data: Any) -> PaymentPlanPolicy:
    """Parse a tenant-level payment plan override (same shape as in a product's pricing)."""
    parser = _Parser()
    plan = parser.payment_plan(data, "payment_plan")
    if parser.problems:
        raise invalid_catalog(parser.problems)
    return plan
