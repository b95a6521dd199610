"""The configurator: what a customer may choose next, what is wrong, what it costs."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView

from mcbackend.api.base import Blueprint, Schema, requires, unit_of_work, utcnow
from mcbackend.domain.auth import Role
from mcbackend.services import configuration as service
from mcbackend.services import production, promising

blp = Blueprint(
    "configurator",
    __name__,
    url_prefix="/api/v1/products/<int:product_id>/configurator",
    description="Validate, propagate, explain and complete configurations",
)

_CONFIGURATION = ma.fields.Dict(
    keys=ma.fields.String(),
    required=True,
    metadata={
        "description": "attribute code → value: a value code, a list of codes, a number, "
        "text, true/false, {file_id} or {part: percent}",
        "example": {"layout": "l_shape", "chaise_left": True, "fabric": "boucle"},
    },
)


class ConfigurationIn(Schema):
    configuration = _CONFIGURATION
    version = ma.fields.Integer(
        validate=ma.validate.Range(min=1),
        metadata={"description": "product version (default: the current one)"},
    )


class CompletionIn(ConfigurationIn):
    strategy = ma.fields.String(
        load_default="defaults", validate=ma.validate.OneOf(["defaults", "cheapest"])
    )


class ViolationOut(ma.Schema):
    code = ma.fields.String()
    attributes = ma.fields.List(ma.fields.String())
    message = ma.fields.String()
    rule = ma.fields.String()


class _Versioned(ma.Schema):
    product_id = ma.fields.Integer()
    version = ma.fields.Integer()


class ValidationOut(_Versioned):
    valid = ma.fields.Boolean()
    violations = ma.fields.List(ma.fields.Nested(ViolationOut))
    configuration = ma.fields.Dict(metadata={"description": "normalized configuration"})


class PropagationOut(_Versioned):
    completable = ma.fields.Boolean(
        metadata={"description": "whether some valid configuration extends this one"}
    )
    attributes = ma.fields.Dict(
        metadata={"description": "per attribute: possible values, forced value, reachable min/max"}
    )
    violations = ma.fields.List(ma.fields.Nested(ViolationOut))


class ConflictPartOut(ma.Schema):
    kind = ma.fields.String(metadata={"description": "choice | rule"})
    id = ma.fields.String()
    message = ma.fields.String()
    attributes = ma.fields.List(ma.fields.String())


class ExplanationOut(_Versioned):
    consistent = ma.fields.Boolean()
    conflict = ma.fields.List(ma.fields.Nested(ConflictPartOut))
    message = ma.fields.String()
    violations = ma.fields.List(ma.fields.Nested(ViolationOut))


class CompletionOut(_Versioned):
    completed = ma.fields.Boolean()
    configuration = ma.fields.Dict()
    needs_input = ma.fields.List(
        ma.fields.String(), metadata={"description": "text/file attributes only a person can fill"}
    )
    violations = ma.fields.List(ma.fields.Nested(ViolationOut))
    explanation = ma.fields.Nested(ExplanationOut, allow_none=True)


@blp.route("/validate")
class Validate(MethodView):
    @requires(Role.INTEGRATOR)
    @blp.arguments(ConfigurationIn)
    @blp.response(200, ValidationOut)
    def post(self, data, product_id: int):
        """Check a complete configuration: every violation at once, with stable codes"""
        with unit_of_work() as uow:
            return service.validate(uow, product_id, data.get("version"), data["configuration"])


@blp.route("/propagate")
class Propagate(MethodView):
    @requires(Role.INTEGRATOR)
    @blp.arguments(ConfigurationIn)
    @blp.response(200, PropagationOut)
    def post(self, data, product_id: int):
        """For a partial configuration: the values still possible, forced values, bounds"""
        with unit_of_work() as uow:
            return service.propagate(uow, product_id, data.get("version"), data["configuration"])


@blp.route("/explain")
class Explain(MethodView):
    @requires(Role.INTEGRATOR)
    @blp.arguments(ConfigurationIn)
    @blp.response(200, ExplanationOut)
    def post(self, data, product_id: int):
        """The smallest set of choices and rules that cannot hold together, in words"""
        with unit_of_work() as uow:
            return service.explain(uow, product_id, data.get("version"), data["configuration"])


@blp.route("/complete")
class Complete(MethodView):
    @requires(Role.INTEGRATOR)
    @blp.arguments(CompletionIn)
    @blp.response(200, CompletionOut)
    def post(self, data, product_id: int):
        """Fill in what is still open, closest to the defaults or cheapest"""
        with unit_of_work() as uow:
            return service.complete(
                uow, product_id, data.get("version"), data["configuration"], data["strategy"]
            )


class PromiseIn(ConfigurationIn):
    quantity = ma.fields.Integer(load_default=1, validate=ma.validate.Range(1, 1000))
    plant_id = ma.fields.Integer(metadata={"description": "default: the tenant's plant"})


class OptionEffectOut(ma.Schema):
    attribute = ma.fields.String()
    value = ma.fields.Raw()
    label = ma.fields.String()
    earliest_date = ma.fields.String(metadata={"format": "date"})
    working_days = ma.fields.Integer(metadata={"description": "shift against the current choice"})
    message = ma.fields.String(metadata={"example": "Hand embroidery: +3 working days"})


class PromiseOut(_Versioned):
    configuration = ma.fields.Dict(metadata={"description": "completed with the defaults"})
    price = ma.fields.Dict()
    due_date = ma.fields.Dict()
    option_effects = ma.fields.List(ma.fields.Nested(OptionEffectOut))


@blp.route("/promise")
class Promise(MethodView):
    @requires(Role.INTEGRATOR)
    @blp.arguments(PromiseIn)
    @blp.response(200, PromiseOut)
    def post(self, data, product_id: int):
        """Price and earliest date while configuring, and how open options move the date"""
        with unit_of_work() as uow:
            plant_id = data.get("plant_id") or production.default_plant(uow).id
            return promising.promise(uow, plant_id, product_id, data, utcnow())
