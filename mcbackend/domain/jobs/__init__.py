"""Job templates and job expansion: how a configured order line becomes production work."""

from mcbackend.domain.jobs.expansion import JobSpec, OperationSpec, PrecedenceArc, expand
from mcbackend.domain.jobs.expressions import Expression, ExpressionError
from mcbackend.domain.jobs.template import (
    JobTemplate,
    OperationTemplate,
    check_inputs,
    load_template,
    load_templates,
    template_from_dict,
)

__all__ = [
    "Expression",
    "ExpressionError",
    "JobSpec",
    "JobTemplate",
    "OperationSpec",
    "OperationTemplate",
    "PrecedenceArc",
    "check_inputs",
    "expand",
    "load_template",
    "load_templates",
    "template_from_dict",
]
