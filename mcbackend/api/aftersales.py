"""After delivery: customer feedback, adjustment and complaint tickets, reordering."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView

from mcbackend.api.base import (
    ALL_ROLES,
    Blueprint,
    Schema,
    anonymous_unit_of_work,
    current_principal,
    requires,
    unit_of_work,
    utcnow,
)
from mcbackend.domain.auth import Role
from mcbackend.services import feedback as service
from mcbackend.services import orders

blp = Blueprint(
    "aftersales", __name__, url_prefix="/api/v1", description="Feedback, tickets, reorders"
)



class FeedbackIn(Schema):
    rating = ma.fields.Integer(required=True, validate=ma.validate.Range(1, 5))
    comment = ma.fields.String(load_default="", validate=ma.validate.Length(0, 5000))
    photos = ma.fields.List(ma.fields.Integer(), load_default=list)


class FeedbackOut(ma.Schema):
    id = ma.fields.Integer()
    order_id = ma.fields.Integer()
    rating = ma.fields.Integer()
    comment = ma.fields.String()
    photos = ma.fields.List(ma.fields.Integer())
    created_at = ma.fields.AwareDateTime()


class TicketIn(Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(["adjustment", "complaint"]))
    description = ma.fields.String(required=True, validate=ma.validate.Length(1, 5000))
    photos = ma.fields.List(ma.fields.Integer(), load_default=list)


class TicketPatch(Schema):
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(service.TICKET_STATUSES))
    resolution = ma.fields.String(validate=ma.validate.Length(0, 5000))


class TicketOut(ma.Schema):
    id = ma.fields.Integer()
    unit_id = ma.fields.Integer()
    order_id = ma.fields.Integer(allow_none=True)
    kind = ma.fields.String()
    description = ma.fields.String()
    photos = ma.fields.List(ma.fields.Integer())
    status = ma.fields.String()
    resolution = ma.fields.String()
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()


class TicketQuery(Schema):
    status = ma.fields.String(validate=ma.validate.OneOf(service.TICKET_STATUSES))


class ReorderLineOut(ma.Schema):
    line = ma.fields.Integer()
    product_id = ma.fields.Integer()
    product_active = ma.fields.Boolean()
    ordered_version = ma.fields.Integer()
    current_version = ma.fields.Integer()
    configuration = ma.fields.Dict()
    quantity = ma.fields.Integer()
    reorderable = ma.fields.Boolean()
    reason = ma.fields.String()
    differences = ma.fields.List(
        ma.fields.Dict(), metadata={"description": "why it no longer fits the catalog"}
    )


class ReorderOut(ma.Schema):
    order_id = ma.fields.Integer()
    reference = ma.fields.String()
    lines = ma.fields.List(ma.fields.Nested(ReorderLineOut))


@blp.route("/track/<string:token>/feedback")
class TrackedFeedback(MethodView):
    @blp.doc(security=[])
    @blp.arguments(FeedbackIn)
    @blp.response(201, FeedbackOut)
    def post(self, data, token: str):
        """Rate a delivered order (1-5) with a comment and photos, as the customer"""
        with anonymous_unit_of_work() as uow:
            order = orders.order_for_token(uow, token)
            return service.leave_feedback(uow, order.id, data, utcnow())


@blp.route("/orders/<int:order_id>/feedback")
class OrderFeedback(MethodView):
    @requires(Role.INTEGRATOR)
    @blp.response(200, FeedbackOut(many=True))
    def get(self, order_id: int):
        """The customer's feedback on an order (empty until given)"""
        with unit_of_work() as uow:
            return service.order_feedback(uow, order_id)


@blp.route("/orders/<int:order_id>/reorder-check")
class ReorderCheck(MethodView):
    @requires(Role.INTEGRATOR)
    @blp.response(200, ReorderOut)
    def post(self, order_id: int):
        """Check an order's configurations against today's catalog before ordering again"""
        with unit_of_work() as uow:
            return service.reorder_check(uow, order_id)


@blp.route("/units/<int:unit_id>/tickets")
class UnitTickets(MethodView):
    @requires(*ALL_ROLES)
    @blp.response(200, TicketOut(many=True))
    def get(self, unit_id: int):
        """Adjustment and complaint tickets of a unit"""
        with unit_of_work() as uow:
            return service.unit_tickets(uow, unit_id)

    @requires(Role.INTEGRATOR)
    @blp.arguments(TicketIn)
    @blp.response(201, TicketOut)
    def post(self, data, unit_id: int):
        """Open an adjustment request or a complaint about a delivered unit"""
        with unit_of_work() as uow:
            actor = f"key:{current_principal().key_id}"
            return service.open_ticket(uow, unit_id, data, utcnow(), actor)


@blp.route("/tickets")
class Tickets(MethodView):
    @requires(*ALL_ROLES)
    @blp.arguments(TicketQuery, location="query")
    @blp.paginate()
    @blp.response(200, TicketOut(many=True))
    def get(self, query, pagination_parameters):
        """All tickets, newest first"""
        with unit_of_work() as uow:
            rows, total = service.list_tickets(
                uow,
                pagination_parameters.page,
                pagination_parameters.page_size,
                query.get("status"),
            )
        pagination_parameters.item_count = total
        return rows


@blp.route("/tickets/<int:ticket_id>")
class TicketItem(MethodView):
    @requires(*ALL_ROLES)
    @blp.response(200, TicketOut)
    def get(self, ticket_id: int):
        """One ticket"""
        with unit_of_work() as uow:
            return uow.tickets.get(ticket_id)

    @requires(Role.INTEGRATOR)
    @blp.arguments(TicketPatch)
    @blp.response(200, TicketOut)
    def patch(self, data, ticket_id: int):
        """Move a ticket along (in progress, resolved with a resolution, rejected)"""
        with unit_of_work() as uow:
            return service.update_ticket(uow, ticket_id, data)
