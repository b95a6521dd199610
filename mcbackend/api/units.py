"""Units: produced items with their as-built configuration history."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView

from mcbackend.api.base import ALL_ROLES, Blueprint, Schema, requires, unit_of_work, utcnow
from mcbackend.api.idempotency import idempotent
from mcbackend.domain.auth import Role
from mcbackend.services import units as unit_service

blp = Blueprint("units", __name__, url_prefix="/api/v1/units", description="Units")


class UnitOut(ma.Schema):
    id = ma.fields.Integer()
    serial = ma.fields.String()
    product_id = ma.fields.Integer()
    order_id = ma.fields.Integer(allow_none=True)
    customer_owned = ma.fields.Boolean()
    version = ma.fields.Integer(metadata={"description": "current as-built version"})
    history = ma.fields.List(
        ma.fields.Dict(), metadata={"description": "as-built configurations, oldest first"}
    )
    created_at = ma.fields.AwareDateTime()


class UnitRegister(Schema):
    serial = ma.fields.String(required=True, validate=ma.validate.Length(1, 64))
    product_id = ma.fields.Integer(required=True)
    version = ma.fields.Integer(validate=ma.validate.Range(min=1))
    configuration = ma.fields.Dict(keys=ma.fields.String(), required=True)
    description = ma.fields.String(
        load_default="customer-owned", validate=ma.validate.Length(1, 500)
    )


class UnitQuery(Schema):
    serial = ma.fields.String()
    order_id = ma.fields.Integer()


@blp.route("")
class Units(MethodView):
    @requires(*ALL_ROLES)
    @blp.arguments(UnitQuery, location="query")
    @blp.paginate()
    @blp.response(200, UnitOut(many=True))
    def get(self, query, pagination_parameters):
        """List units (filter by serial or order)"""
        with unit_of_work() as uow:
            rows, total = unit_service.list_units(
                uow,
                pagination_parameters.page,
                pagination_parameters.page_size,
                serial=query.get("serial"),
                order_id=query.get("order_id"),
            )
        pagination_parameters.item_count = total
        return rows

    @requires(Role.INTEGRATOR)
    @idempotent
    @blp.arguments(UnitRegister)
    @blp.response(201, UnitOut)
    def post(self, data):
        """Register a customer-owned item as found, so it can be altered (post-customization)"""
        with unit_of_work() as uow:
            return unit_service.register_customer_owned(uow, data, utcnow())


@blp.route("/<int:unit_id>")
class UnitItem(MethodView):
    @requires(*ALL_ROLES)
    @blp.response(200, UnitOut)
    def get(self, unit_id: int):
        """One unit with its configuration history"""
        with unit_of_work() as uow:
            return uow.units.get(unit_id)
