"""What a customer sees and decides with the tracking token of one order (no API key)."""

from __future__ import annotations

import marshmallow as ma
from flask import Response, current_app
from flask.views import MethodView

from mcbackend.adapters import order_writes
from mcbackend.api.base import Blueprint, Schema, anonymous_unit_of_work, utcnow
from mcbackend.api.order_schemas import EventOut, ProofOut
from mcbackend.services import design, orders, tracking

blp = Blueprint(
    "tracking",
    __name__,
    url_prefix="/api/v1/track",
    description="Customer access with an order's tracking token (no API key)",
)

_PUBLIC = {"security": []}

# Rendered tracking documents kept per process (see TrackedOrder.get): few orders are read
# often, and a document of a few kB each keeps the cache within a few MB.
TRACKING_CACHE_ENTRIES = 1024
TRACKING_CACHE_TTL_S = 5.0
# A token this process has just resolved is served without the database for this long: the
# same policy as API keys. Writes to the order, a rotated or revoked token show at once in
# the process that made them (order_writes), within TRACKED_TOKEN_TTL_S in the others.
TRACKED_TOKEN_TTL_S = 1.0


class TrackedLineOut(ma.Schema):
    name = ma.fields.String()
    configuration = ma.fields.Dict()
    quantity = ma.fields.Integer()
    price = ma.fields.Dict(allow_none=True)


class StageOut(ma.Schema):
    code = ma.fields.String(metadata={"description": "order, design, production or delivery"})
    state = ma.fields.String(metadata={"description": "planned, active or done"})
    planned_start = ma.fields.AwareDateTime()
    planned_end = ma.fields.AwareDateTime()
    actual_start = ma.fields.AwareDateTime(allow_none=True)
    actual_end = ma.fields.AwareDateTime(allow_none=True)


class TrackedOrderOut(ma.Schema):
    reference = ma.fields.String()
    mode = ma.fields.String()
    status = ma.fields.String()
    version = ma.fields.Integer()
    currency = ma.fields.String()
    total = ma.fields.Integer(allow_none=True)
    requested_date = ma.fields.Date(allow_none=True)
    lines = ma.fields.List(ma.fields.Nested(TrackedLineOut))
    proofs = ma.fields.List(ma.fields.Nested(ProofOut))
    timeline = ma.fields.List(ma.fields.Nested(EventOut))
    payments = ma.fields.Dict()
    promised_date = ma.fields.Date(
        allow_none=True, metadata={"description": "the date the customer was promised"}
    )
    eta = ma.fields.Date(allow_none=True, metadata={"description": "from the active plan"})
    days_late = ma.fields.Integer(
        allow_none=True, metadata={"description": "ETA minus promised date (negative: early)"}
    )
    stages = ma.fields.List(ma.fields.Nested(StageOut))


_TRACKED_ORDER = TrackedOrderOut()


class CustomerDecisionIn(Schema):
    decision = ma.fields.String(
        required=True, validate=ma.validate.OneOf(["approve", "request_changes"])
    )
    comment = ma.fields.String(load_default="", validate=ma.validate.Length(0, 5000))
    version = ma.fields.Integer()


@blp.route("/<string:token>")
class TrackedOrder(MethodView):
    @blp.doc(**_PUBLIC)
    @blp.response(200, TrackedOrderOut)
    def get(self, token: str):
        """The customer's view of their order: status, timeline, proofs, payments due"""
        # A token read here in the last TRACKED_TOKEN_TTL_S, with no order written by this
        # process since, is answered from memory. Otherwise the token is checked against the
        # database (one indexed query for the order's id and version) and the rendered
        # document is reused while the order's version is unchanged (every write to the
        # order, its events and payments bumps it) for at most TRACKING_CACHE_TTL_S (what the
        # version does not cover: the plan's ETA, shop-floor progress, the payments due today).
        recent = current_app.extensions["mcbackend.tracked_tokens"]
        token_hash = orders.hash_token(token)
        written = order_writes.committed()  # before the read: a write committed meanwhile voids it
        if (document := recent.get(token_hash, written)) is not None:
            return Response(document, mimetype="application/json")
        cache = current_app.extensions["mcbackend.tracking_cache"]
        with anonymous_unit_of_work() as uow:
            order_id, version = orders.order_version_for_token(uow, token)
            document = cache.get(order_id, version)
            if document is None:
                row = uow.orders.get(order_id)
                view = tracking.customer_view(uow, row, utcnow())
                document = current_app.json.dumps(_TRACKED_ORDER.dump(view)).encode()
                cache.put(order_id, row.version, document)
        recent.put(token_hash, written, document)
        return Response(document, mimetype="application/json")


@blp.route("/<string:token>/proofs/<int:number>/decision")
class TrackedProofDecision(MethodView):
    @blp.doc(**_PUBLIC)
    @blp.arguments(CustomerDecisionIn)
    @blp.response(200, TrackedOrderOut)
    def post(self, data, token: str, number: int):
        """Approve a proof or ask for changes, as the customer"""
        now = utcnow()
        with anonymous_unit_of_work() as uow:
            row = orders.order_for_token(uow, token)
            design.decide_proof(
                uow,
                row.id,
                number,
                data["decision"],
                data["comment"],
                data.get("version"),
                now,
                "customer",
            )
            return tracking.customer_view(uow, uow.orders.get(row.id), now)
