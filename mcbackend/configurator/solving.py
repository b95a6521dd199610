"""Small helpers around the CP-SAT solver shared by propagate, explain and complete."""

from __future__ import annotations

import threading
from typing import Any

from ortools.sat.python import cp_model

from mcbackend.configurator.model import AttributeVars, CompiledModel, add_fixed, index_value

Solution = list[int]  # values indexed by variable index


class _Collector(cp_model.CpSolverSolutionCallback):
    """Keeps every solution the solver reports; each one is a proof of support."""

    def __init__(self) -> None:
        super().__init__()
        self.solutions: list[Solution] = []

    def on_solution_callback(self) -> None:
        self.solutions.append(list(self.response_proto.solution))


_solvers = threading.local()


def new_solver() -> cp_model.CpSolver:
    """One worker and a fixed seed: the same model always gives the same answer.

    Solvers are reused per thread: setting up parameters costs more than a small solve.
    """
    solver = getattr(_solvers, "solver", None)
    if solver is None:
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = 7
        # Configurator models are small: presolve and symmetry detection cost more than
        # they save (measured on the cabin benchmark).
        solver.parameters.cp_model_presolve = False
        solver.parameters.symmetry_level = 0
        _solvers.solver = solver
    return solver


def solutions(model: cp_model.CpModel) -> tuple[Any, list[Solution]]:
    """Solve and return (status, every solution found on the way)."""
    collector = _Collector()
    status = new_solver().solve(model, collector)
    return status, collector.solutions


def fixed_model(compiled: CompiledModel, values: dict[str, Any]) -> cp_model.CpModel:
    """A copy of the product's model with the customer's choices fixed."""
    model = compiled.clone()
    for code, value in values.items():
        add_fixed(model, compiled.vars[code], value)
    return model


def literal_value(solution: Solution, lit: Any) -> bool:
    if isinstance(lit, bool):
        return lit
    index = lit.index
    if index >= 0:
        return bool(solution[index])
    return not solution[-index - 1]


def read_solution(av: AttributeVars, solution: Solution) -> Any:
    """The value an attribute takes in a solution (None when unset; text and file content
    cannot come from the solver and read as None)."""
    attribute = av.attribute
    if not literal_value(solution, av.present):
        return None
    if attribute.type == "choice":
        return next(code for code, lit in av.values.items() if solution[lit.index])
    if attribute.type == "multi":
        return [code for code, lit in av.values.items() if solution[lit.index]]
    if attribute.type == "boolean":
        return bool(solution[av.values[True].index])
    if attribute.type == "number":
        number = index_value(attribute, solution[av.index.index])
        return int(number) if number == number.to_integral_value() else float(number)
    if attribute.type == "proportions":
        step = int(attribute.step or 1)
        return {part: solution[var.index] * step for part, var in av.parts.items()}
    return None
