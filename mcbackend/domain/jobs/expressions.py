"""The safe expression language of job templates.

Durations, conditions, lags and setup families are one-line Python-like expressions over the
configuration: ``20 + 0.05 * width``, ``monogram != ''``, ``'macarons' in extras``,
``max(30, 10 * tiers)``. They are parsed once when a template loads, checked against a small
whitelist of syntax and against the names the template declares, and evaluated with
``simpleeval``: no builtins, no attribute access, no imports, no comprehensions, no lambdas.

Numbers are exact: literals and configuration numbers become ``Decimal``, so
``0.05 * 2400`` is 120, not 120.00000000000001 that would round up to 121 minutes.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Mapping, Set
from decimal import Decimal
from typing import Any

from simpleeval import InvalidExpression, SimpleEval, safe_add, safe_mult, safe_power

FUNCTIONS: dict[str, Any] = {
    "min": min,
    "max": max,
    "abs": abs,
    "ceil": math.ceil,
    "floor": math.floor,
    "len": len,
}

_OPERATORS: dict[type, Any] = {
    ast.Add: safe_add,
    ast.Sub: operator.sub,
    ast.Mult: safe_mult,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: safe_power,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda item, container: item in container,
    ast.NotIn: lambda item, container: item not in container,
    ast.Not: operator.not_,
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
}

# Every node an expression may contain; anything else is refused when the template loads.
_ALLOWED_NODES: tuple[type, ...] = (
    ast.Expression,
    ast.Constant,
    ast.Name,
    ast.Load,
    ast.BinOp,
    ast.UnaryOp,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.Compare,
    ast.IfExp,
    ast.Call,
    ast.Subscript,
    *_OPERATORS,
)

# Errors an expression may raise on well-typed but unlucky input (a missing proportion part,
# a division by zero, a string times a list) become evaluation errors with the template path.
EVALUATION_ERRORS = (InvalidExpression, ArithmeticError, TypeError, ValueError, KeyError)


class ExpressionError(ValueError):
    """An expression that cannot be parsed, refers to unknown names or fails to evaluate."""


class _Evaluator(SimpleEval):
    """simpleeval restricted to the whitelist, with exact decimal literals."""

    def __init__(self, names: Mapping[str, Any]) -> None:
        super().__init__(operators=_OPERATORS, functions=FUNCTIONS, names=dict(names))
        self.nodes = {
            node: handler for node, handler in self.nodes.items() if node in _ALLOWED_NODES
        }

    @staticmethod
    def _eval_constant(node: ast.Constant) -> Any:
        if isinstance(node.value, float):
            return Decimal(repr(node.value))
        return SimpleEval._eval_constant(node)


class Expression:
    """A parsed, checked expression; ``path`` says where it stands in its template."""

    __slots__ = ("_tree", "names", "path", "source")

    def __init__(self, source: str, path: str, known_names: Set[str]) -> None:
        self.source = source
        self.path = path
        try:
            self._tree = ast.parse(source.strip(), mode="eval")
        except SyntaxError as exc:
            raise ExpressionError(f"{source!r} is not an expression: {exc.msg}") from None
        for node in ast.walk(self._tree):
            if not isinstance(node, _ALLOWED_NODES):
                raise ExpressionError(
                    f"{source!r} uses {type(node).__name__}, which "
                    "template expressions do not allow"
                )
            if isinstance(node, ast.Call) and not (
                isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS and not node.keywords
            ):
                raise ExpressionError(
                    f"{source!r} calls something other than {', '.join(sorted(FUNCTIONS))}"
                )
        called = {node.func.id for node in ast.walk(self._tree) if isinstance(node, ast.Call)}
        self.names = frozenset(
            node.id
            for node in ast.walk(self._tree)
            if isinstance(node, ast.Name) and node.id not in called
        )
        unknown = sorted(self.names - known_names)
        if unknown:
            raise ExpressionError(
                f"{source!r} refers to unknown name(s) {', '.join(unknown)}; "
                "declare configuration attributes under 'inputs'"
            )

    def evaluate(self, names: Mapping[str, Any]) -> Any:
        try:
            return _Evaluator(names).eval(self.source, previously_parsed=self._tree.body)
        except EVALUATION_ERRORS as exc:
            raise ExpressionError(f"{self.source!r} failed: {type(exc).__name__}: {exc}") from None

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"
