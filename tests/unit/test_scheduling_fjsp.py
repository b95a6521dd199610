"""The .fjs reader and the benchmark entry point."""

from pathlib import Path

import pytest

from mcbackend.scheduling.checker import check_plan
from mcbackend.scheduling.fjsp import FjspFormatError, parse_fjsp, solve_fjsp_file
from mcbackend.scheduling.solver import SolveOptions, makespan_lower_bound, solve

KACEM = Path(__file__).resolve().parents[3] / "shared" / "benchmarks" / "fjsp" / "kacem"

TINY = "2\t2\t1.5\n2  2 1 3 2 4  1 2 2\n1\t1\t1\t5\n"


def test_reads_tabs_spaces_and_optional_header_number():
    problem = parse_fjsp(TINY)
    assert [r.id for r in problem.resources] == ["M1", "M2"]
    assert [op.id for op in problem.operations] == ["J1.O1", "J1.O2", "J2.O1"]
    assert [(m.resource_id, m.duration) for m in problem.operations[0].modes] == [
        ("M1", 3), ("M2", 4)]
    assert [(p.before, p.after) for p in problem.precedences] == [("J1.O1", "J1.O2")]
    assert parse_fjsp("2 2\n" + TINY.split("\n", 1)[1]).operations == problem.operations


@pytest.mark.parametrize("text", ["", "2\n", "1 2\n1 1 3 4\n", "1 1\n2 1 1 3\n", "1 1\nx\n"])
def test_rejects_malformed_files(text):
    with pytest.raises(FjspFormatError):
        parse_fjsp(text)


def test_tiny_instance_is_solved_to_optimality():
    problem = parse_fjsp(TINY)
    result = solve(problem, SolveOptions(time_limit_s=5, workers=1))
    assert result.status == "optimal"
    assert result.makespan == 6 == result.objective  # J1 on M2 (4 + 2), J2 on M1 (5)
    assert check_plan(problem, result.assignments) == []
    assert makespan_lower_bound(problem) <= 6


def test_solve_fjsp_file_reports_the_benchmark_fields():
    row = solve_fjsp_file(KACEM / "Kacem1.fjs", time_limit_s=3, workers=2)
    assert set(row) == {"instance", "makespan", "lower_bound", "status", "wall_s"}
    assert row["instance"] == "Kacem1"
    assert row["status"] in ("optimal", "feasible")
    assert 11 <= row["makespan"] <= 13
    assert row["lower_bound"] <= 11
