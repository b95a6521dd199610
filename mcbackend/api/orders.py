"""Orders in all four modes: placing, life cycle, payments, proofs, routing, change orders."""

from __future__ import annotations

import marshmallow as ma
from flask import current_app, request
from flask.views import MethodView

from mcbackend.api.base import (
    ALL_ROLES,
    Blueprint,
    Schema,
    current_principal,
    requires,
    unit_of_work,
    utcnow,
)
from mcbackend.api.idempotency import idempotent
from mcbackend.api.order_schemas import (
    CancelIn,
    ChangeAcceptIn,
    ChangeIn,
    DecisionIn,
    EventOut,
    HoldIn,
    JobOut,
    OrderCreate,
    OrderCreated,
    OrderOut,
    PaymentIn,
    PaymentOut,
    PaymentSummaryOut,
    PreviewOut,
    ProofIn,
    ProofOut,
    RoutingIn,
    ShipIn,
    TrackingTokenOut,
    VersionIn,
    order_view,
)
from mcbackend.domain.auth import Role
from mcbackend.domain.errors import FieldProblem, InvalidInput
from mcbackend.services import changes, design, orders, production
from mcbackend.services.orders import actor_label

blp = Blueprint("orders", __name__, url_prefix="/api/v1/orders", description="Orders")

MODES = ("pre", "co", "post", "bespoke")


def _actor() -> str:
    return actor_label(f"key:{current_principal().key_id}")


def expected_version(body: dict | None = None) -> int | None:
    """The version the client read: ``If-Match: "7"`` or a ``version`` field."""
    header = request.headers.get("If-Match")
    if header:
        raw = header.strip().removeprefix("W/").strip('"')
        if not raw.isdigit():
            raise InvalidInput(
                'If-Match must carry the order version from its ETag, e.g. "7"',
                errors=[FieldProblem("header.If-Match", "invalid", "not an order version")],
            )
        return int(raw)
    return (body or {}).get("version")


def _tracking_url(token: str) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL']}/api/v1/track/{token}"


def _respond(row):
    """The order as JSON with its version as the ETag."""
    return order_view(row), 200, {"ETag": f'"{row.version}"'}


class OrderQuery(Schema):
    status = ma.fields.String()
    mode = ma.fields.String(validate=ma.validate.OneOf(MODES))


class EventQuery(Schema):
    visibility = ma.fields.String(validate=ma.validate.OneOf(["customer", "internal"]))


@blp.route("")
class Orders(MethodView):
    @requires(Role.INTEGRATOR, Role.SHOPFLOOR)
    @blp.arguments(OrderQuery, location="query")
    @blp.paginate()
    @blp.response(200, OrderOut(many=True))
    def get(self, query, pagination_parameters):
        """List orders, newest first"""
        with unit_of_work() as uow:
            rows, total = orders.list_orders(
                uow,
                pagination_parameters.page,
                pagination_parameters.page_size,
                status=query.get("status"),
                mode=query.get("mode"),
            )
            pagination_parameters.item_count = total
            return [order_view(row) for row in rows]

    @requires(Role.INTEGRATOR)
    @idempotent
    @blp.arguments(OrderCreate)
    @blp.response(201, OrderCreated)
    def post(self, data):
        """Place an order (pre, co, post or bespoke); the tracking token is shown only here"""
        with unit_of_work() as uow:
            placed = orders.place_order(uow, data, utcnow(), _actor())
            body = order_view(placed.order)
        body["tracking_token"] = placed.tracking_token
        body["tracking_url"] = _tracking_url(placed.tracking_token)
        return body, 201, {"ETag": f'"{placed.order.version}"'}


@blp.route("/<int:order_id>")
class OrderItem(MethodView):
    @requires(*ALL_ROLES)
    @blp.response(200, OrderOut)
    def get(self, order_id: int):
        """One order, with its allowed next statuses; the ETag is its version"""
        with unit_of_work() as uow:
            return _respond(orders.get_order(uow, order_id))


def _step_view(step: str, summary: str, schema=VersionIn):
    """A view for one life-cycle step (confirm, start production, ready, ship, deliver)."""

    @requires(Role.INTEGRATOR)
    @blp.arguments(schema)
    @blp.response(200, OrderOut)
    def post(self, data, order_id: int):
        with unit_of_work() as uow:
            version = expected_version(data)
            if step == "confirm":
                row = orders.confirm(uow, order_id, version, utcnow(), _actor())
            else:
                row = orders.advance(
                    uow, order_id, step, version, utcnow(), _actor(), data.get("tracking")
                )
            return _respond(row)

    post.__doc__ = summary
    return type(f"Order_{step}", (MethodView,), {"post": post})


blp.route("/<int:order_id>/confirm")(
    _step_view(
        "confirm",
        "Confirm the order (deposit permitting) and release its units and jobs",
    )
)
blp.route("/<int:order_id>/start-production")(
    _step_view("start_production", "Mark production as started")
)
blp.route("/<int:order_id>/ready")(_step_view("mark_ready", "Mark every unit as produced"))
blp.route("/<int:order_id>/ship")(_step_view("ship", "Hand the order to the carrier", ShipIn))
blp.route("/<int:order_id>/deliver")(
    _step_view("deliver", "Record delivery (alterations update the unit's as-built record)")
)


@blp.route("/<int:order_id>/cancel")
class OrderCancel(MethodView):
    @requires(Role.INTEGRATOR)
    @blp.arguments(CancelIn)
    @blp.response(200, OrderOut)
    def post(self, data, order_id: int):
        """Cancel: free before production; afterwards with a reason and a cost"""
        with unit_of_work() as uow:
            row = orders.cancel(
                uow,
                order_id,
                data.get("reason", ""),
                data.get("cost"),
                expected_version(data),
                utcnow(),
                _actor(),
            )
            return _respond(row)


@blp.route("/<int:order_id>/events")
class OrderEvents(MethodView):
    @requires(*ALL_ROLES)
    @blp.arguments(EventQuery, location="query")
    @blp.response(200, EventOut(many=True))
    def get(self, query, order_id: int):
        """The order's timeline, oldest first (customer-visible and internal events)"""
        with unit_of_work() as uow:
            events = orders.timeline(uow, order_id, customer_only=False)
        wanted = query.get("visibility")
        return [e for e in events if wanted is None or e.visibility == wanted]


@blp.route("/<int:order_id>/payments")
class OrderPayments(MethodView):
    @requires(Role.INTEGRATOR)
    @blp.response(200, PaymentSummaryOut)
    def get(self, order_id: int):
        """Payment plan, payments recorded, paid, balance and what is due now"""
        with unit_of_work() as uow:
            return orders.payment_summary(uow, order_id)

    @requires(Role.INTEGRATOR)
    @idempotent
    @blp.arguments(PaymentIn)
    @blp.response(201, PaymentOut)
    def post(self, data, order_id: int):
        """Record a payment against the order's plan (no payment gateway involved)"""
        with unit_of_work() as uow:
            return orders.record_payment(uow, order_id, data, utcnow(), _actor())


@blp.route("/<int:order_id>/proofs")
class OrderProofs(MethodView):
    @requires(Role.INTEGRATOR)
    @blp.arguments(ProofIn)
    @blp.response(201, ProofOut)
    def post(self, data, order_id: int):
        """Issue the next design proof: a validated, priced configuration and mockups"""
        with unit_of_work() as uow:
            proof = design.issue_proof(
                uow, order_id, data, expected_version(data), utcnow(), _actor()
            )
        return proof.to_dict()


@blp.route("/<int:order_id>/proofs/<int:number>/decision")
class OrderProofDecision(MethodView):
    @requires(Role.INTEGRATOR)
    @blp.arguments(DecisionIn)
    @blp.response(200, OrderOut)
    def post(self, data, order_id: int, number: int):
        """Record the customer's decision on a proof (approve or request changes)"""
        with unit_of_work() as uow:
            row = design.decide_proof(
                uow,
                order_id,
                number,
                data["decision"],
                data.get("comment", ""),
                expected_version(data),
                utcnow(),
                _actor(),
            )
            return _respond(row)


@blp.route("/<int:order_id>/routing")
class OrderRouting(MethodView):
    @requires(Role.INTEGRATOR)
    @blp.arguments(RoutingIn)
    @blp.response(200, OrderOut)
    def put(self, data, order_id: int):
        """Route a bespoke order or an alteration by hand (and price bespoke work)"""
        with unit_of_work() as uow:
            row = orders.set_routing(
                uow, order_id, data, expected_version(data), utcnow(), _actor()
            )
            return _respond(row)


@blp.route("/<int:order_id>/changes/preview")
class OrderChangePreview(MethodView):
    @requires(Role.INTEGRATOR)
    @blp.arguments(ChangeIn)
    @blp.response(200, PreviewOut)
    def post(self, data, order_id: int):
        """Preview a change order: new price, new date, rework and reopened proofs"""
        with unit_of_work() as uow:
            return changes.preview(uow, order_id, data, utcnow())


@blp.route("/<int:order_id>/changes")
class OrderChanges(MethodView):
    @requires(Role.INTEGRATOR)
    @blp.arguments(ChangeAcceptIn)
    @blp.response(200, OrderOut)
    def post(self, data, order_id: int):
        """Accept a previewed change: re-validated, re-priced, affected jobs re-released"""
        with unit_of_work() as uow:
            row = changes.accept(uow, order_id, data, utcnow(), _actor())
            return _respond(row)


@blp.route("/<int:order_id>/jobs")
class OrderJobs(MethodView):
    @requires(*ALL_ROLES)
    @blp.response(200, JobOut(many=True))
    def get(self, order_id: int):
        """Production jobs released for the order (superseded ones included)"""
        with unit_of_work() as uow:
            return production.jobs_of_order(uow, order_id)


@blp.route("/<int:order_id>/capacity-hold")
class OrderCapacityHold(MethodView):
    @requires(Role.INTEGRATOR)
    @blp.arguments(HoldIn)
    @blp.response(201, JobOut)
    def post(self, data, order_id: int):
        """Hold production capacity for a co-design order until it expires"""
        with unit_of_work() as uow:
            return orders.hold_capacity(uow, order_id, data["hours"], utcnow(), _actor())

    @requires(Role.INTEGRATOR)
    @blp.response(200, OrderOut)
    def delete(self, order_id: int):
        """Give the held capacity back"""
        with unit_of_work() as uow:
            return _respond(orders.release_capacity(uow, order_id, utcnow()))


@blp.route("/<int:order_id>/tracking-token")
class OrderTrackingToken(MethodView):
    @requires(Role.INTEGRATOR)
    @blp.response(201, TrackingTokenOut)
    def post(self, order_id: int):
        """Issue a new customer tracking link; the previous one stops working"""
        with unit_of_work() as uow:
            token = orders.rotate_tracking_token(uow, order_id)
        return {"tracking_token": token, "tracking_url": _tracking_url(token)}

    @requires(Role.INTEGRATOR)
    @blp.response(200, OrderOut)
    def delete(self, order_id: int):
        """Revoke the customer's tracking link"""
        with unit_of_work() as uow:
            return _respond(orders.revoke_tracking_token(uow, order_id))

