"""Job templates: the declarative files in ``job_templates/`` and their loader.

A template is checked twice when it loads: first its shape against the JSON Schema
``job_template.schema.json`` (so editors can validate the files too), then its meaning:
unique operation ids, known predecessors, an acyclic precedence graph, a valid cut-off
operation, known resource groups and expressions that parse and use declared names only.
Every problem is reported at once, each naming the file and the path inside it.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import cache
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from mcbackend.domain.errors import BusinessRuleViolation, FieldProblem
from mcbackend.domain.jobs.expressions import Expression, ExpressionError

# Names every expression may use besides the template's inputs.
BUILTIN_NAMES = frozenset({"quantity", "mode"})
TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json")
_SCHEMA_FILE = Path(__file__).with_name("job_template.schema.json")


@dataclass(frozen=True)
class Input:
    """A configuration attribute the template reads; without a default it must be set."""

    code: str
    type: str
    default: Any = None
    has_default: bool = False


@dataclass(frozen=True)
class Lookup:
    """Minutes looked up by the value of ``key`` (a choice code), else ``default``."""

    key: Expression
    table: Mapping[str, Expression]
    default: Expression | None
    path: str


Duration = Expression | Lookup


@dataclass(frozen=True)
class Predecessor:
    """The operation must start ``min_lag``..``max_lag`` minutes after ``operation`` ends."""

    operation: str
    min_lag: Expression | None = None
    max_lag: Expression | None = None


@dataclass(frozen=True)
class Gate:
    """The operation waits for a proof approval or for materials; ``lead_days`` is how long
    materials take to arrive after release, until purchasing reports a date."""

    kind: str
    when: Expression | None = None
    lead_days: int | None = None


@dataclass(frozen=True)
class OperationTemplate:
    id: str
    name: str
    path: str
    durations: Mapping[str, Duration]
    after: tuple[Predecessor, ...] = ()
    when: Expression | None = None
    setup_family: Expression | None = None
    gates: tuple[Gate, ...] = ()
    quality_check: bool = False
    splittable: bool = False
    design: bool = False


@dataclass(frozen=True)
class JobTemplate:
    """One product family's routing; ``source`` names the file for error messages."""

    product_family: str
    version: int
    source: str
    operations: tuple[OperationTemplate, ...]
    inputs: Mapping[str, Input]
    cut_off: str | None = None
    description: str = ""

    def operation(self, operation_id: str) -> OperationTemplate:
        return next(op for op in self.operations if op.id == operation_id)


def load_template(path: str | Path, *, groups: Collection[str] | None = None) -> JobTemplate:
    """Read and check one template file; its product family must match the file name."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        raise _invalid(
            path.name,
            [FieldProblem(f"{path.name}: {where}", "invalid_yaml", str(exc).splitlines()[0])],
        ) from None
    template = template_from_dict(data, source=path.name, groups=groups)
    if template.product_family != path.stem:
        raise _invalid(
            path.name,
            [
                FieldProblem(
                    f"{path.name}: product_family",
                    "family_mismatch",
                    f"{template.product_family!r} must match the file name {path.stem!r}",
                )
            ],
        )
    return template


def load_templates(
    directory: str | Path, *, groups: Collection[str] | None = None
) -> dict[str, JobTemplate]:
    """Every template in ``directory`` by product family, in file-name order.

    Problems in all files are collected and raised together.
    """
    templates: dict[str, JobTemplate] = {}
    problems: list[FieldProblem] = []
    for path in sorted(Path(directory).iterdir()):
        if path.suffix not in TEMPLATE_SUFFIXES:
            continue
        try:
            template = load_template(path, groups=groups)
        except BusinessRuleViolation as exc:
            problems.extend(exc.errors)
            continue
        if template.product_family in templates:
            problems.append(
                FieldProblem(
                    f"{path.name}: product_family",
                    "duplicate",
                    f"{template.product_family!r} is defined twice",
                )
            )
        templates[template.product_family] = template
    if problems:
        raise _invalid(str(directory), problems)
    return templates


def template_from_dict(
    data: Any, *, source: str, groups: Collection[str] | None = None
) -> JobTemplate:
    """Check a template given as parsed data; ``source`` prefixes every error path.

    A planner's routing for a bespoke order is checked the same way.
    """
    problems = [
        FieldProblem(f"{source}: {_format_path(path)}", "schema", message)
        for path, message in _schema_errors(data)
    ]
    if problems:
        raise _invalid(source, problems)
    parser = _Parser(source, data, groups)
    template = parser.template()
    if parser.problems:
        raise _invalid(source, parser.problems)
    return template


def check_inputs(template: JobTemplate, attribute_types: Mapping[str, str]) -> None:
    """Raise unless every input the template reads is a product attribute of the same type.

    ``attribute_types`` maps the product's attribute codes to their types; call this when a
    product is tied to its template so that a renamed attribute fails at once, not at release.
    """
    problems = []
    for code, spec in template.inputs.items():
        path = f"{template.source}: inputs.{code}"
        if code not in attribute_types:
            problems.append(
                FieldProblem(path, "unknown_attribute", f"the product has no attribute {code!r}")
            )
        elif attribute_types[code] != spec.type:
            problems.append(
                FieldProblem(
                    path,
                    "attribute_type_mismatch",
                    f"{code!r} is a {attribute_types[code]} attribute, not {spec.type}",
                )
            )
    if problems:
        raise _invalid(template.source, problems)


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(_SCHEMA_FILE.read_text(encoding="utf-8")))


def _schema_errors(data: Any) -> list[tuple[Any, str]]:
    """(path, message) of every schema error, in document order."""
    return sorted(
        (_explain(error) for error in _validator().iter_errors(data)),
        key=lambda item: [str(part) for part in item[0]],
    )


def _explain(error: ValidationError) -> tuple[Any, str]:
    """A failed ``oneOf`` names what was expected, or the branch the value was meant for."""
    if error.validator != "oneOf" or not error.context:
        return error.absolute_path, error.message
    # A branch that failed deeper inside the value, or on more than its type, is the one meant.
    meant = [e for e in error.context if e.relative_path or e.validator not in ("type", "oneOf")]
    if meant:
        return _explain(best_match(meant))
    expected = error.schema.get("title", "one of the allowed forms")
    return error.absolute_path, f"{error.instance!r} is not {expected}"


def _format_path(parts: Any) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out.lstrip(".") or "(document)"


def _invalid(source: str, problems: list[FieldProblem]) -> BusinessRuleViolation:
    return BusinessRuleViolation(
        f"Job template {source} is invalid ({len(problems)} problems)",
        code="invalid_job_template",
        errors=problems,
    )


class _Parser:
    """Turns schema-valid data into a template, collecting semantic problems."""

    def __init__(self, source: str, data: dict[str, Any], groups: Collection[str] | None):
        self.source = source
        self.data = data
        self.groups = None if groups is None else frozenset(groups)
        self.problems: list[FieldProblem] = []
        self.known_names = BUILTIN_NAMES | set(data.get("inputs", {}))
        self.used_names: set[str] = set()

    def problem(self, path: str, code: str, message: str) -> None:
        self.problems.append(FieldProblem(f"{self.source}: {path}", code, message))

    def expression(self, raw: Any, path: str) -> Expression | None:
        try:
            expression = Expression(str(raw), f"{self.source}: {path}", self.known_names)
        except ExpressionError as exc:
            self.problem(path, "invalid_expression", str(exc))
            return None
        self.used_names |= expression.names
        return expression

    def duration(self, raw: Any, path: str) -> Duration | None:
        if not isinstance(raw, dict):
            return self.expression(raw, path)
        key = self.expression(raw["lookup"], f"{path}.lookup")
        entries = {
            str(value): self.expression(minutes, f"{path}.table.{value}")
            for value, minutes in raw["table"].items()
        }
        table = {value: entry for value, entry in entries.items() if entry is not None}
        default = self.expression(raw["default"], f"{path}.default") if "default" in raw else None
        if key is None or len(table) != len(entries):
            return None
        return Lookup(key, table, default, f"{self.source}: {path}")

    def template(self) -> JobTemplate:
        data = self.data
        inputs = {
            code: Input(code, spec["type"], spec.get("default"), "default" in spec)
            for code, spec in data.get("inputs", {}).items()
        }
        operations = tuple(
            self.operation(raw, f"operations[{i}]") for i, raw in enumerate(data["operations"])
        )
        self.check_ids(operations)
        self.check_precedence(operations)
        self.check_cut_off(data.get("cut_off"), operations)
        for code in inputs:
            if code not in self.used_names:
                self.problem(
                    f"inputs.{code}",
                    "unused_input",
                    f"input {code!r} is declared but no expression reads it",
                )
        return JobTemplate(
            product_family=data["product_family"],
            version=data["version"],
            source=self.source,
            operations=operations,
            inputs=inputs,
            cut_off=data.get("cut_off"),
            description=data.get("description", ""),
        )

    def operation(self, raw: dict[str, Any], path: str) -> OperationTemplate:
        durations: dict[str, Duration] = {}
        for group, spec in raw["durations"].items():
            if self.groups is not None and group not in self.groups:
                self.problem(
                    f"{path}.durations.{group}",
                    "unknown_group",
                    f"no resource belongs to group {group!r}",
                )
            duration = self.duration(spec, f"{path}.durations.{group}")
            if duration is not None:
                durations[group] = duration
        return OperationTemplate(
            id=raw["id"],
            name=raw["name"],
            path=f"{self.source}: {path}",
            durations=durations,
            after=tuple(
                self.predecessor(entry, f"{path}.after[{i}]")
                for i, entry in enumerate(raw.get("after", []))
            ),
            when=self.optional(raw, "when", path),
            setup_family=self.optional(raw, "setup_family", path),
            gates=tuple(
                self.gate(entry, f"{path}.gates[{i}]")
                for i, entry in enumerate(raw.get("gates", []))
            ),
            quality_check=raw.get("quality_check", False),
            splittable=raw.get("splittable", False),
            design=raw.get("design", False),
        )

    def optional(self, raw: dict[str, Any], key: str, path: str) -> Expression | None:
        return self.expression(raw[key], f"{path}.{key}") if key in raw else None

    def predecessor(self, raw: str | dict[str, Any], path: str) -> Predecessor:
        if isinstance(raw, str):
            return Predecessor(raw)
        return Predecessor(
            raw["op"], self.optional(raw, "min_lag", path), self.optional(raw, "max_lag", path)
        )

    def gate(self, raw: str | dict[str, Any], path: str) -> Gate:
        if isinstance(raw, str):
            return Gate(raw)
        lead_days = raw.get("lead_days")
        if lead_days is not None and raw["gate"] != "materials":
            self.problem(
                f"{path}.lead_days", "not_allowed", "only a materials gate has a lead time"
            )
        return Gate(raw["gate"], self.optional(raw, "when", path), lead_days)

    def check_ids(self, operations: tuple[OperationTemplate, ...]) -> None:
        seen: set[str] = set()
        for i, op in enumerate(operations):
            if op.id in seen:
                self.problem(
                    f"operations[{i}].id", "duplicate", f"operation id {op.id!r} is used twice"
                )
            seen.add(op.id)

    def check_precedence(self, operations: tuple[OperationTemplate, ...]) -> None:
        ids = {op.id for op in operations}
        graph: dict[str, set[str]] = {}
        for i, op in enumerate(operations):
            graph.setdefault(op.id, set())
            for j, predecessor in enumerate(op.after):
                path = f"operations[{i}].after[{j}]"
                if predecessor.operation == op.id:
                    self.problem(path, "self_precedence", f"{op.id!r} cannot follow itself")
                elif predecessor.operation not in ids:
                    self.problem(
                        path,
                        "unknown_operation",
                        f"no operation {predecessor.operation!r} in this template",
                    )
                else:
                    graph[op.id].add(predecessor.operation)
        try:
            tuple(TopologicalSorter(graph).static_order())
        except CycleError as exc:
            cycle = " -> ".join(reversed(exc.args[1]))
            self.problem("operations", "precedence_cycle", f"precedence has a cycle: {cycle}")

    def check_cut_off(self, cut_off: str | None, operations: tuple[OperationTemplate, ...]) -> None:
        if cut_off is None:
            return
        op = next((op for op in operations if op.id == cut_off), None)
        if op is None:
            self.problem("cut_off", "unknown_operation", f"no operation {cut_off!r}")
        elif op.when is not None or op.design:
            # Change orders are refused once the cut-off starts: every job must have one.
            self.problem(
                "cut_off",
                "conditional_cut_off",
                f"cut-off operation {cut_off!r} must not be conditional or design work",
            )
