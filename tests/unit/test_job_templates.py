"""Job templates: shipped files, expansion of every demo product, errors and safety."""

from __future__ import annotations

import textwrap
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

import pytest

from mcbackend.demo.catalog import DEMO_PRODUCTS
from mcbackend.demo.plant import RESOURCES
from mcbackend.domain.errors import BusinessRuleViolation, InvalidInput
from mcbackend.domain.jobs import (
    JobSpec,
    JobTemplate,
    check_inputs,
    expand,
    load_template,
    load_templates,
    template_from_dict,
)

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "job_templates"
PLANT_GROUPS = frozenset(group for resource in RESOURCES for group in resource["groups"])
TEMPLATES = load_templates(TEMPLATE_DIR, groups=PLANT_GROUPS)
PRODUCTS = {product["job_template"]: product for product in DEMO_PRODUCTS}


def defaults(product: dict[str, Any]) -> dict[str, Any]:
    return {a["code"]: a["default"] for a in product["attributes"] if "default" in a}


def attribute_types(product: dict[str, Any]) -> dict[str, str]:
    return {a["code"]: a["type"] for a in product["attributes"]}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems(exc: pytest.ExceptionInfo[BusinessRuleViolation]) -> dict[str, str]:
    return {problem.field: problem.code for problem in exc.value.errors}


def check_job(job: JobSpec) -> None:
    ids = [op.id for op in job.operations]
    assert len(ids) == len(set(ids))
    for op in job.operations:
        assert op.durations, op.id
        assert set(op.durations) <= PLANT_GROUPS
        assert all(isinstance(m, int) and m >= 1 for m in op.durations.values()), op
    graph: dict[str, set[str]] = {op_id: set() for op_id in ids}
    for arc in job.arcs:
        assert arc.before in graph and arc.after in graph
        assert arc.min_lag >= 0
        assert arc.max_lag is None or arc.max_lag >= arc.min_lag
        graph[arc.after].add(arc.before)
    order = list(TopologicalSorter(graph).static_order())  # raises on a cycle
    assert sorted(order) == sorted(ids)
    assert sum(op.cut_off for op in job.operations) == 1


# --- shipped templates -------------------------------------------------------------------

def test_every_demo_product_has_a_loadable_template() -> None:
    assert set(TEMPLATES) == set(PRODUCTS)
    for family, template in TEMPLATES.items():
        assert template.product_family == family
        assert template.version >= 1
        assert template.cut_off is not None


@pytest.mark.parametrize("family", sorted(PRODUCTS))
def test_template_inputs_are_catalog_attributes_of_the_same_type(family: str) -> None:
    check_inputs(TEMPLATES[family], attribute_types(PRODUCTS[family]))


def test_inputs_that_do_not_match_the_product_are_reported() -> None:
    types = attribute_types(PRODUCTS["sofa"]) | {"width": "text"}
    del types["colour"]
    with pytest.raises(BusinessRuleViolation) as exc:
        check_inputs(TEMPLATES["sofa"], types)
    assert problems(exc) == {"sofa.yaml: inputs.width": "attribute_type_mismatch",
                             "sofa.yaml: inputs.colour": "unknown_attribute"}


@pytest.mark.parametrize(("family", "mode"), [
    (product["job_template"], mode) for product in DEMO_PRODUCTS for mode in product["modes"]])
def test_default_configuration_expands_to_a_valid_dag(family: str, mode: str) -> None:
    jobs = expand(TEMPLATES[family], defaults(PRODUCTS[family]), 3, mode=mode)
    assert [job.unit for job in jobs] == [1, 2, 3]
    assert all(job.operations == jobs[0].operations for job in jobs)
    check_job(jobs[0])
    assert any(op.quality_check for op in jobs[0].operations)
    for op in jobs[0].operations:
        assert op.design is False or mode == "co"
        assert "proof_approval" not in op.gates or mode == "co"


@pytest.mark.parametrize("family", sorted(PRODUCTS))
def test_presets_expand(family: str) -> None:
    product = PRODUCTS[family]
    for preset in product["presets"]:
        configuration = defaults(product) | preset["values"]
        check_job(expand(TEMPLATES[family], configuration, 1, mode=product["modes"][0])[0])


def test_co_design_adds_designer_work_and_waits_for_the_proof() -> None:
    pre = expand(TEMPLATES["cake"], defaults(PRODUCTS["cake"]), 1, mode="pre")[0]
    co = expand(TEMPLATES["cake"], defaults(PRODUCTS["cake"]), 1, mode="co")[0]
    assert "design_cake" not in [op.id for op in pre.operations]
    design = next(op for op in co.operations if op.id == "design_cake")
    assert design.design and design.durations == {"design": 20}
    mix = next(op for op in co.operations if op.id == "mix_batter")
    assert mix.gates == ("proof_approval",)
    assert ("design_cake", "mix_batter") in {(a.before, a.after) for a in co.arcs}


def test_cake_lags_cooling_and_frosting_window() -> None:
    configuration = defaults(PRODUCTS["cake"]) | {"tiers": 3}
    job = expand(TEMPLATES["cake"], configuration, 1, mode="pre")[0]
    arcs = {(a.before, a.after): (a.min_lag, a.max_lag) for a in job.arcs}
    assert arcs[("bake", "fill_and_stack")] == (90, 240)
    assert arcs[("fill_and_stack", "decorate")] == (0, 120)


def test_durations_follow_the_configuration_exactly() -> None:
    hood = defaults(PRODUCTS["hood"]) | {"width": 2000, "height": 1000, "finish": "smooth"}
    job = expand(TEMPLATES["hood"], hood, 1, mode="co")[0]
    operations = {op.id: op for op in job.operations}
    assert operations["cut_sheet"].durations == {"cnc": 55, "metalwork": 110}
    assert operations["form_and_hammer"].durations == {"metalwork": 550}
    # decimal strings are numbers too; 0.1 * 245.5 = 24.55 rounds up
    sofa = defaults(PRODUCTS["sofa"]) | {"width": "245.5"}
    cut = expand(TEMPLATES["sofa"], sofa, 1, mode="pre")[0].operations[0]
    assert cut.durations == {"cnc": 65}


def test_decimal_arithmetic_does_not_round_up_a_float_error(tmp_path: Path) -> None:
    template = template_from_dict({
        "product_family": "t", "version": 1, "inputs": {"width": {"type": "number"}},
        "operations": [{"id": "a", "name": "A", "durations": {"cnc": "0.05 * width"}}],
    }, source="t.yaml")
    job = expand(template, {"width": 2400}, 1, mode="pre")[0]
    assert job.operations[0].durations == {"cnc": 120}  # 2400 * 0.05 in floats is 120.000…01


def test_quantity_is_available_to_durations() -> None:
    one = expand(TEMPLATES["shirt"], defaults(PRODUCTS["shirt"]), 1, mode="pre")[0]
    four = expand(TEMPLATES["shirt"], defaults(PRODUCTS["shirt"]), 4, mode="pre")[0]
    assert one.operations[0].durations == {"cutting": 30}
    assert four.operations[0].durations == {"cutting": 15}


def test_setup_family_and_materials_gate() -> None:
    sofa = defaults(PRODUCTS["sofa"]) | {"fabric": "leather", "colour": "cognac"}
    job = expand(TEMPLATES["sofa"], sofa, 1, mode="pre")[0]
    cut = next(op for op in job.operations if op.id == "cut_fabric")
    assert cut.setup_family == "leather/cognac"
    assert cut.gates == ("materials",)
    assert cut.materials_lead_days == 5  # the template's lead time for aniline hides
    assert cut.cut_off
    fabric = expand(TEMPLATES["sofa"], sofa | {"fabric": "linen"}, 1, mode="pre")[0]
    cut = next(op for op in fabric.operations if op.id == "cut_fabric")
    assert cut.gates == () and cut.materials_lead_days == 0


def test_the_longest_lead_time_of_the_gates_that_apply_counts(tmp_path: Path) -> None:
    template = load_template(write(tmp_path, "broken.yaml", GOOD + """    gates:
      - materials
      - {gate: materials, when: "width > 100", lead_days: 3}
      - {gate: materials, when: "width > 200", lead_days: 9}
"""), groups=PLANT_GROUPS)
    leads = {width: expand(template, {"width": width}, 1, mode="pre")[0].operations[0]
             for width in (50, 150, 250)}
    assert {w: (op.gates, op.materials_lead_days) for w, op in leads.items()} == {
        50: (("materials",), 0), 150: (("materials",), 3), 250: (("materials",), 9)}


def test_a_lead_time_belongs_to_a_materials_gate_only(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.yaml", GOOD + """    gates:
      - materials
      - {gate: proof_approval, lead_days: 2}
""")
    with pytest.raises(BusinessRuleViolation) as exc:
        load_template(path, groups=PLANT_GROUPS)
    assert problems(exc) == {"broken.yaml: operations[0].gates[1].lead_days": "not_allowed"}
    negative = write(tmp_path, "broken.yaml",
                     GOOD + "    gates: [{gate: materials, lead_days: -1}]\n")
    with pytest.raises(BusinessRuleViolation) as exc:
        load_template(negative, groups=PLANT_GROUPS)
    assert problems(exc) == {"broken.yaml: operations[0].gates[0]": "schema"}


def test_expansion_is_deterministic() -> None:
    configuration = defaults(PRODUCTS["cabin"])
    first = expand(TEMPLATES["cabin"], configuration, 2, mode="co")
    second = expand(load_template(TEMPLATE_DIR / "cabin.yaml"), configuration, 2, mode="co")
    assert first == second
    order = [op.id for op in TEMPLATES["cabin"].operations]
    ids = [op.id for op in first[0].operations]
    assert ids == sorted(ids, key=order.index)


# --- conditional operations --------------------------------------------------------------

def test_monogram_embroidery_appears_only_with_a_monogram() -> None:
    plain = defaults(PRODUCTS["shirt"])
    without = expand(TEMPLATES["shirt"], plain, 1, mode="pre")[0]
    with_monogram = expand(TEMPLATES["shirt"], plain | {"monogram": "ABC",
                                                        "monogram_position": "chest"},
                           1, mode="pre")[0]
    assert "embroider_monogram" not in [op.id for op in without.operations]
    # the finish still waits for the assembly when the embroidery is left out
    assert ("assemble", "finish") in {(a.before, a.after) for a in without.arcs}
    embroider = next(op for op in with_monogram.operations if op.id == "embroider_monogram")
    assert embroider.durations == {"embroidery": 22}
    arcs = {(a.before, a.after) for a in with_monogram.arcs}
    assert {("assemble", "embroider_monogram"), ("embroider_monogram", "finish")} <= arcs
    assert ("assemble", "finish") not in arcs


def test_sofa_chaise_adds_a_frame_operation() -> None:
    base = defaults(PRODUCTS["sofa"])
    ids = [op.id for op in expand(TEMPLATES["sofa"], base | {"chaise_left": True}, 1,
                                  mode="pre")[0].operations]
    assert "cut_chaise_frame" in ids
    ids = [op.id for op in expand(TEMPLATES["sofa"], base, 1, mode="pre")[0].operations]
    assert "cut_chaise_frame" not in ids


def test_left_out_operations_are_bridged_with_summed_min_lags() -> None:
    template = template_from_dict({
        "product_family": "t", "version": 1, "inputs": {"extra": {"type": "boolean"}},
        "operations": [
            {"id": "a", "name": "A", "durations": {"cnc": 10}},
            {"id": "b", "name": "B", "when": "extra", "durations": {"cnc": 10},
             "after": [{"op": "a", "min_lag": 30, "max_lag": 60}]},
            {"id": "c", "name": "C", "durations": {"cnc": 10},
             "after": [{"op": "b", "min_lag": 40, "max_lag": 50}, {"op": "a", "min_lag": 5}]},
        ],
    }, source="t.yaml")
    with_b = expand(template, {"extra": True}, 1, mode="pre")[0].arcs
    assert [(a.before, a.after, a.min_lag, a.max_lag) for a in with_b] == [
        ("a", "b", 30, 60), ("b", "c", 40, 50), ("a", "c", 5, None)]
    without_b = expand(template, {"extra": False}, 1, mode="pre")[0].arcs
    assert [(a.before, a.after, a.min_lag, a.max_lag) for a in without_b] == [
        ("a", "c", 70, None)]


# --- broken templates name the file and the path -----------------------------------------

GOOD = """\
product_family: broken
version: 1
inputs:
  width: {type: number}
operations:
  - id: cut
    name: Cut
    durations: {cutting: 10 + width / 10}
"""


def test_the_minimal_template_loads(tmp_path: Path) -> None:
    template = load_template(write(tmp_path, "broken.yaml", GOOD), groups=PLANT_GROUPS)
    assert isinstance(template, JobTemplate)


def test_schema_errors_name_file_and_path(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.yaml", """\
        product_family: broken
        version: zero
        operations:
          - id: cut
            name: Cut
            durations: {cutting: 10}
          - id: sew
            name: Sew
            durations:
              sewing: [10, 20]
            quality_check: maybe
          - id: Pack
            name: Pack
          - id: glue
            name: Glue
            after: [{op: cut, min_lag: [1]}, {op: sew, lag: 5}]
            durations: {assembly: {lookup: x, table: {a: {}}}}
        """)
    with pytest.raises(BusinessRuleViolation) as exc:
        load_template(path)
    assert exc.value.code == "invalid_job_template"
    messages = {problem.field: problem.message for problem in exc.value.errors}
    assert list(messages) == [
        "broken.yaml: operations[1].durations.sewing",
        "broken.yaml: operations[1].quality_check",
        "broken.yaml: operations[2]",
        "broken.yaml: operations[2].id",
        "broken.yaml: operations[3].after[0].min_lag",
        "broken.yaml: operations[3].after[1]",
        "broken.yaml: operations[3].durations.assembly.table.a",
        "broken.yaml: version",
    ]
    assert messages["broken.yaml: operations[1].durations.sewing"] == (
        "[10, 20] is not a number, an expression or a lookup")
    assert "'lag' was unexpected" in messages["broken.yaml: operations[3].after[1]"]


def test_semantic_errors_are_all_reported_at_once(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.yaml", """\
        product_family: broken
        version: 2
        cut_off: trim
        inputs:
          width: {type: number}
          colour: {type: choice}
        operations:
          - id: cut
            name: Cut
            after: [pack]
            durations: {cutting: 10 + width / 10, lasering: 5}
          - id: sew
            name: Sew
            after: [cut, glue]
            durations: {sewing: 20 + height}
          - id: pack
            name: Pack
            after: [sew]
            durations: {packing: 5}
          - id: sew
            name: Sew again
            durations: {sewing: 5}
          - id: trim
            name: Trim
            when: width > 100
            durations: {sewing: "1 +"}
        """)
    with pytest.raises(BusinessRuleViolation) as exc:
        load_template(path, groups=PLANT_GROUPS)
    assert problems(exc) == {
        "broken.yaml: operations[0].durations.lasering": "unknown_group",
        "broken.yaml: operations[1].durations.sewing": "invalid_expression",
        "broken.yaml: operations[4].durations.sewing": "invalid_expression",
        "broken.yaml: operations[3].id": "duplicate",
        "broken.yaml: operations[1].after[1]": "unknown_operation",
        "broken.yaml: operations": "precedence_cycle",
        "broken.yaml: cut_off": "conditional_cut_off",
        "broken.yaml: inputs.colour": "unused_input",
    }
    message = next(p.message for p in exc.value.errors if p.code == "invalid_expression")
    assert "height" in message


def test_family_must_match_the_file_name(tmp_path: Path) -> None:
    with pytest.raises(BusinessRuleViolation) as exc:
        load_template(write(tmp_path, "other.yaml", GOOD))
    assert problems(exc) == {"other.yaml: product_family": "family_mismatch"}


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(BusinessRuleViolation) as exc:
        load_template(write(tmp_path, "broken.yaml", GOOD + "  - id: [unclosed\n"))
    (field,) = problems(exc)
    assert field.startswith("broken.yaml: line ")


def test_load_templates_collects_problems_of_every_file(tmp_path: Path) -> None:
    write(tmp_path, "broken.yaml", GOOD)
    write(tmp_path, "worse.yaml", "product_family: worse\nversion: 1\noperations: []\n")
    write(tmp_path, "notes.txt", "not a template")
    with pytest.raises(BusinessRuleViolation) as exc:
        load_templates(tmp_path)
    assert problems(exc) == {"worse.yaml: operations": "schema"}
    (tmp_path / "worse.yaml").unlink()
    assert list(load_templates(tmp_path)) == ["broken"]


# --- expansion errors --------------------------------------------------------------------

def test_missing_attribute_names_the_template_input() -> None:
    configuration = defaults(PRODUCTS["sofa"])
    del configuration["width"]
    with pytest.raises(BusinessRuleViolation) as exc:
        expand(TEMPLATES["sofa"], configuration, 1, mode="pre")
    assert exc.value.code == "job_expansion_failed"
    assert problems(exc)["sofa.yaml: inputs.width"] == "missing_attribute"


def test_negative_duration_and_missing_lookup_name_the_operation() -> None:
    template = template_from_dict({
        "product_family": "t", "version": 1,
        "inputs": {"width": {"type": "number"}, "fabric": {"type": "choice"}},
        "operations": [
            {"id": "a", "name": "A", "durations": {"cnc": "150 - width"}},
            {"id": "b", "name": "B", "durations": {
                "sewing": {"lookup": "fabric", "table": {"linen": 5}}}},
            {"id": "c", "name": "C", "durations": {"qc": "200 + 100 / (width - 200)"},
             "setup_family": "fabric"},
        ],
    }, source="t.yaml")
    assert expand(template, {"width": 50, "fabric": "linen"}, 1, mode="pre")
    with pytest.raises(BusinessRuleViolation) as exc:
        expand(template, {"width": 200, "fabric": "wool"}, 1, mode="pre")
    assert problems(exc) == {
        "t.yaml: operations[0].durations.cnc": "negative_minutes",
        "t.yaml: operations[1].durations.sewing": "lookup_missing",
        "t.yaml: operations[2].durations.qc": "evaluation_failed",
    }


def test_wrongly_typed_attribute_is_reported() -> None:
    configuration = defaults(PRODUCTS["sofa"]) | {"width": "wide", "chaise_left": "yes"}
    with pytest.raises(BusinessRuleViolation) as exc:
        expand(TEMPLATES["sofa"], configuration, 1, mode="pre")
    assert problems(exc) == {"sofa.yaml: inputs.width": "invalid_attribute",
                             "sofa.yaml: inputs.chaise_left": "invalid_attribute"}


@pytest.mark.parametrize(("quantity", "mode"), [(0, "pre"), (True, "pre"), (1, "retail")])
def test_bad_quantity_or_mode_is_invalid_input(quantity: Any, mode: str) -> None:
    with pytest.raises(InvalidInput):
        expand(TEMPLATES["sofa"], defaults(PRODUCTS["sofa"]), quantity, mode=mode)


def test_a_planners_bespoke_routing_is_checked_like_a_template() -> None:
    routing = {"product_family": "hood", "version": 1, "operations": [
        {"id": "forge", "name": "Forge the canopy", "durations": {"metalwork": 600},
         "splittable": True},
        {"id": "inspect", "name": "Inspect", "after": ["forge"], "quality_check": True,
         "durations": {"qc": 45}},
    ]}
    template = template_from_dict(routing, source="order 17 routing", groups=PLANT_GROUPS)
    (job,) = expand(template, {}, 1, mode="bespoke")
    assert [(op.id, dict(op.durations)) for op in job.operations] == [
        ("forge", {"metalwork": 600}), ("inspect", {"qc": 45})]
    routing["operations"][1]["durations"] = {"welding": 45}
    with pytest.raises(BusinessRuleViolation) as exc:
        template_from_dict(routing, source="order 17 routing", groups=PLANT_GROUPS)
    assert problems(exc) == {"order 17 routing: operations[1].durations.welding":
                             "unknown_group"}


# --- expressions are safe ----------------------------------------------------------------

@pytest.mark.parametrize("expression", [
    "__import__('os').system('true')",
    "open('/etc/passwd')",
    "eval('1')",
    "exec('x = 1')",
    "getattr(width, 'real')",
    "width.__class__.__mro__",
    "().__class__.__bases__[0].__subclasses__()",
    "'abc'.upper()",
    "width.real",
    "[c for c in 'abc']",
    "{1: 2}",
    "(lambda: 1)()",
    "import os",
    "width = 3",
    "len",
    "f'{width}'",
    "min(width, key=abs)",
    "width; 1",
])
def test_expressions_cannot_reach_builtins_attributes_or_imports(
        tmp_path: Path, expression: str) -> None:
    with pytest.raises(BusinessRuleViolation) as exc:
        template_from_dict({
            "product_family": "t", "version": 1, "inputs": {"width": {"type": "number"}},
            "operations": [{"id": "a", "name": "A", "durations": {"cnc": expression}},
                           {"id": "b", "name": "B", "durations": {"cnc": "width"}}],
        }, source="t.yaml")
    assert problems(exc) == {"t.yaml: operations[0].durations.cnc": "invalid_expression"}


def test_huge_powers_are_refused_when_evaluated() -> None:
    template = template_from_dict({
        "product_family": "t", "version": 1,
        "operations": [{"id": "a", "name": "A", "durations": {"cnc": "9 ** 9 ** 9"}}],
    }, source="t.yaml")
    with pytest.raises(BusinessRuleViolation) as exc:
        expand(template, {}, 1, mode="pre")
    assert problems(exc) == {"t.yaml: operations[0].durations.cnc": "evaluation_failed"}
