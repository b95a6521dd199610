"""The configurator: product rules compiled to CP-SAT (pure Python, no Flask or database).

Entry points: ``load_definition`` when a product version is written; ``validate``,
``propagate``, ``explain`` and ``complete`` for configurations. Compiled solver models
are cached per ``ProductDefinition`` object, so keep one object per stored version.
"""

from mcbackend.configurator.checks import check_definition, load_definition
from mcbackend.configurator.completion import Completion, complete
from mcbackend.configurator.explanation import ConflictPart, Explanation, explain
from mcbackend.configurator.propagation import AttributeState, PropagationResult, propagate
from mcbackend.configurator.validation import ValidationResult, Violation, validate

__all__ = [
    "AttributeState",
    "Completion",
    "ConflictPart",
    "Explanation",
    "PropagationResult",
    "ValidationResult",
    "Violation",
    "check_definition",
    "complete",
    "explain",
    "load_definition",
    "propagate",
    "validate",
]
