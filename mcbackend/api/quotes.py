"""Prices and stored quotes with payment plans."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView

from mcbackend.api.base import ALL_ROLES, Blueprint, Schema, requires, unit_of_work
from mcbackend.api.configurator import ConfigurationIn
from mcbackend.api.configurator import blp as configurator_blp
from mcbackend.api.idempotency import idempotent
from mcbackend.domain.auth import Role
from mcbackend.services import quotes as quote_service

blp = Blueprint("quotes", __name__, url_prefix="/api/v1/quotes", description="Quotes")


class PriceIn(ConfigurationIn):
    quantity = ma.fields.Integer(load_default=1, validate=ma.validate.Range(1, 100_000))
    mode = ma.fields.String(
        load_default="pre", validate=ma.validate.OneOf(["pre", "co", "post", "bespoke"])
    )
    requested_date = ma.fields.Date(
        metadata={"description": "wished delivery date; earlier than the lead time costs rush"}
    )
    revision_rounds = ma.fields.Integer(
        load_default=0,
        validate=ma.validate.Range(0, 50),
        metadata={"description": "design rounds planned (co-design); beyond the included cost"},
    )


class QuoteIn(PriceIn):
    product_id = ma.fields.Integer(required=True)


class QuoteLineOut(ma.Schema):
    kind = ma.fields.String(
        metadata={"description": "base, option, quantity_discount, customization, rush, revisions"}
    )
    code = ma.fields.String()
    label = ma.fields.String()
    amount = ma.fields.Integer(metadata={"description": "minor units, all pieces"})
    attribute = ma.fields.String()


class InstallmentOut(ma.Schema):
    event = ma.fields.String(metadata={"description": "deposit, proof_approved, shipped, final"})
    percent = ma.fields.String()
    amount = ma.fields.Integer()


def _iso_date(description: str = "", **kwargs) -> ma.fields.String:
    # Quote documents are stored as JSON, so their dates are already ISO strings.
    return ma.fields.String(metadata={"format": "date", "description": description}, **kwargs)


class PriceOut(ma.Schema):
    key = ma.fields.String(metadata={"description": "digest of all inputs: same key, same quote"})
    sku = ma.fields.String()
    price_list_version = ma.fields.Integer()
    currency = ma.fields.String()
    quantity = ma.fields.Integer()
    mode = ma.fields.String()
    configuration = ma.fields.Dict()
    lines = ma.fields.List(ma.fields.Nested(QuoteLineOut))
    unit_price = ma.fields.Integer()
    total = ma.fields.Integer()
    lead_time_days = ma.fields.Integer(metadata={"description": "working days"})
    ready_by = _iso_date("earliest delivery date")
    requested_date = _iso_date(allow_none=True)
    issued_on = _iso_date()
    valid_until = _iso_date("the quote's prices hold until this date")
    revision_rounds = ma.fields.Integer()
    payment_plan = ma.fields.List(ma.fields.Nested(InstallmentOut))


class QuoteOut(PriceOut):
    id = ma.fields.Integer()
    product_id = ma.fields.Integer()
    created_at = ma.fields.AwareDateTime()


class QuoteQuery(Schema):
    product_id = ma.fields.Integer()


def _quote_out(row) -> dict:
    return {
        **row.document,
        "id": row.id,
        "product_id": row.product_id,
        "created_at": row.created_at,
    }


@configurator_blp.route("/price")
class Price(MethodView):
    @requires(Role.INTEGRATOR)
    @configurator_blp.arguments(PriceIn)
    @configurator_blp.response(200, PriceOut)
    def post(self, data, product_id: int):
        """Price a valid configuration: breakdown, lead time, payment plan (nothing stored)"""
        with unit_of_work() as uow:
            _, quote = quote_service.price_configuration(uow, product_id, data)
        return quote.to_dict()


@blp.route("")
class Quotes(MethodView):
    @requires(Role.INTEGRATOR)
    @blp.arguments(QuoteQuery, location="query")
    @blp.paginate()
    @blp.response(200, QuoteOut(many=True))
    def get(self, query, pagination_parameters):
        """List quotes, newest first"""
        with unit_of_work() as uow:
            rows, total = quote_service.list_quotes(
                uow,
                pagination_parameters.page,
                pagination_parameters.page_size,
                product_id=query.get("product_id"),
            )
        pagination_parameters.item_count = total
        return [_quote_out(row) for row in rows]

    @requires(Role.INTEGRATOR)
    @idempotent
    @blp.arguments(QuoteIn)
    @blp.response(201, QuoteOut)
    def post(self, data):
        """Store a quote: validated, priced on the product version, valid until a date"""
        with unit_of_work() as uow:
            return _quote_out(quote_service.create_quote(uow, data["product_id"], data))


@blp.route("/<int:quote_id>")
class QuoteItem(MethodView):
    @requires(*ALL_ROLES)
    @blp.response(200, QuoteOut)
    def get(self, quote_id: int):
        """One stored quote, exactly as it was issued"""
        with unit_of_work() as uow:
            return _quote_out(uow.quotes.get(quote_id))
