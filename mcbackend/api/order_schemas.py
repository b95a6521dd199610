"""Request and response schemas of the order endpoints, and the order's JSON view."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from mcbackend.api.base import Schema
from mcbackend.domain import orders as d

_money_amount = {"description": "minor units (cents)"}


# --- requests ----------------------------------------------------------------------------


class CustomerIn(Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(1, 200))
    contact = ma.fields.String(
        required=True,
        validate=ma.validate.Length(3, 200),
        metadata={"description": "e-mail address or phone number"},
    )
    language = ma.fields.String(
        load_default="en",
        validate=ma.validate.Regexp(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$", error="a BCP 47 tag"),
    )


class AddressIn(Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(1, 200))
    street = ma.fields.String(required=True, validate=ma.validate.Length(1, 200))
    postal_code = ma.fields.String(required=True, validate=ma.validate.Length(1, 20))
    city = ma.fields.String(required=True, validate=ma.validate.Length(1, 100))
    country = ma.fields.String(
        required=True, validate=ma.validate.Regexp(r"^[A-Z]{2}$", error="ISO 3166-1 alpha-2")
    )


class LineIn(Schema):
    product_id = ma.fields.Integer(required=True)
    version = ma.fields.Integer(validate=ma.validate.Range(min=1))
    configuration = ma.fields.Dict(keys=ma.fields.String(), load_default=dict)
    quantity = ma.fields.Integer(load_default=1, validate=ma.validate.Range(1, 10_000))


class DesignBriefIn(Schema):
    text = ma.fields.String(required=True, validate=ma.validate.Length(1, 10_000))
    attachments = ma.fields.List(ma.fields.Integer(), load_default=list)
    references = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(1, 500)), load_default=list
    )


class ModificationIn(Schema):
    kind = ma.fields.String(
        required=True, validate=ma.validate.OneOf(["module", "add_on", "alteration", "upgrade"])
    )
    changes = ma.fields.Dict(keys=ma.fields.String(), required=True)
    based_on_version = ma.fields.Integer(
        metadata={"description": "the unit's as-built version the change was chosen against"}
    )
    description = ma.fields.String(load_default="", validate=ma.validate.Length(0, 500))


class MeasurementIn(Schema):
    name = ma.fields.String(required=True)
    value = ma.fields.Decimal(required=True, as_string=True)
    unit = ma.fields.String(load_default="cm")


class BespokeBriefIn(Schema):
    text = ma.fields.String(required=True, validate=ma.validate.Length(1, 10_000))
    measurements = ma.fields.List(ma.fields.Nested(MeasurementIn), load_default=list)
    files = ma.fields.List(ma.fields.Integer(), load_default=list)


class OrderCreate(Schema):
    mode = ma.fields.String(
        required=True, validate=ma.validate.OneOf(["pre", "co", "post", "bespoke"])
    )
    customer = ma.fields.Nested(CustomerIn, required=True)
    delivery_address = ma.fields.Nested(AddressIn, required=True)
    requested_date = ma.fields.Date()
    rush = ma.fields.Boolean(load_default=False)
    lines = ma.fields.List(ma.fields.Nested(LineIn), metadata={"description": "pre and co"})
    design_brief = ma.fields.Nested(DesignBriefIn, metadata={"description": "co"})
    target_serial = ma.fields.String(metadata={"description": "post: the unit to modify"})
    modification = ma.fields.Nested(ModificationIn, metadata={"description": "post"})
    brief = ma.fields.Nested(BespokeBriefIn, metadata={"description": "bespoke"})
    quantity = ma.fields.Integer(load_default=1, validate=ma.validate.Range(1, 10_000))


class VersionIn(Schema):
    version = ma.fields.Integer(
        metadata={"description": "the version you read (or send If-Match); stale → 409"}
    )


class ShipIn(VersionIn):
    tracking = ma.fields.String(validate=ma.validate.Length(1, 200))


class CancelIn(VersionIn):
    reason = ma.fields.String(load_default="", validate=ma.validate.Length(0, 1000))
    cost = ma.fields.Integer(
        validate=ma.validate.Range(min=0), metadata={"description": "what cancelling cost"}
    )


class PaymentIn(Schema):
    amount = ma.fields.Integer(required=True, metadata=_money_amount)
    currency = ma.fields.String(validate=ma.validate.Regexp(r"^[A-Z]{3}$"))
    method = ma.fields.String(required=True, validate=ma.validate.Length(1, 40))
    reference = ma.fields.String(load_default="", validate=ma.validate.Length(0, 200))


class ProofIn(VersionIn):
    configuration = ma.fields.Dict(keys=ma.fields.String(), required=True)
    attachments = ma.fields.List(ma.fields.Integer(), load_default=list)


class DecisionIn(VersionIn):
    decision = ma.fields.String(
        required=True, validate=ma.validate.OneOf(["approve", "request_changes"])
    )
    comment = ma.fields.String(load_default="", validate=ma.validate.Length(0, 5000))


class RoutedOperationIn(Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(1, 200))
    resource_group = ma.fields.String(required=True)
    duration_minutes = ma.fields.Integer(required=True)
    after = ma.fields.List(ma.fields.String(), load_default=list)


class RoutingIn(VersionIn):
    price = ma.fields.Integer(metadata={"description": "bespoke: the planner's price"})
    operations = ma.fields.List(ma.fields.Nested(RoutedOperationIn), required=True)


class ChangeIn(Schema):
    line = ma.fields.Integer(load_default=0, validate=ma.validate.Range(min=0))
    configuration = ma.fields.Dict(keys=ma.fields.String())
    quantity = ma.fields.Integer(validate=ma.validate.Range(1, 10_000))
    requested_date = ma.fields.Date()


class ChangeAcceptIn(ChangeIn):
    version = ma.fields.Integer(
        required=True, metadata={"description": "the order version the preview was made on"}
    )


# --- responses ---------------------------------------------------------------------------


class MoneyOut(ma.Schema):
    amount = ma.fields.Integer(metadata=_money_amount)
    currency = ma.fields.String()


class ProofOut(ma.Schema):
    number = ma.fields.Integer()
    configuration = ma.fields.Dict()
    attachments = ma.fields.List(ma.fields.String())
    price = ma.fields.Nested(MoneyOut)
    fee = ma.fields.Nested(MoneyOut, metadata={"description": "extra-round fee"})
    issued_at = ma.fields.String()
    status = ma.fields.String()
    comment = ma.fields.String()
    decided_at = ma.fields.String(allow_none=True)


class OrderLineOut(ma.Schema):
    product_id = ma.fields.Integer(allow_none=True)
    version = ma.fields.Integer()
    sku = ma.fields.String()
    name = ma.fields.String()
    product_version = ma.fields.String()
    configuration = ma.fields.Dict()
    quantity = ma.fields.Integer()
    price = ma.fields.Nested(MoneyOut, allow_none=True)
    quote = ma.fields.Dict(metadata={"description": "the price breakdown this line was sold at"})
    modification = ma.fields.Dict()
    operations = ma.fields.List(ma.fields.Dict())


class OrderOut(ma.Schema):
    id = ma.fields.Integer()
    reference = ma.fields.String()
    mode = ma.fields.String()
    status = ma.fields.String()
    allowed_next = ma.fields.List(ma.fields.String())
    version = ma.fields.Integer()
    customer = ma.fields.Dict()
    delivery_address = ma.fields.Dict()
    currency = ma.fields.String()
    total = ma.fields.Integer(allow_none=True, metadata=_money_amount)
    deposit_required = ma.fields.Integer(allow_none=True, metadata=_money_amount)
    requested_date = ma.fields.Date(allow_none=True)
    rush = ma.fields.Boolean()
    target_serial = ma.fields.String(allow_none=True)
    lines = ma.fields.List(ma.fields.Nested(OrderLineOut))
    design = ma.fields.Dict(allow_none=True)
    brief = ma.fields.Dict(allow_none=True)
    cancellation = ma.fields.Dict(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()


class OrderCreated(OrderOut):
    tracking_token = ma.fields.String(metadata={"description": "shown only in this response"})
    tracking_url = ma.fields.String()


class EventOut(ma.Schema):
    seq = ma.fields.Integer()
    type = ma.fields.String()
    at = ma.fields.AwareDateTime()
    actor = ma.fields.String()
    visibility = ma.fields.String()
    data = ma.fields.Dict()


class PaymentOut(ma.Schema):
    id = ma.fields.Integer()
    amount = ma.fields.Integer(metadata=_money_amount)
    currency = ma.fields.String()
    method = ma.fields.String()
    reference = ma.fields.String()
    at = ma.fields.AwareDateTime()


class PaymentSummaryOut(ma.Schema):
    priced = ma.fields.Boolean()
    installments = ma.fields.List(ma.fields.Dict())
    payments = ma.fields.List(ma.fields.Nested(PaymentOut))
    paid = ma.fields.Nested(MoneyOut, allow_none=True)
    balance = ma.fields.Nested(MoneyOut, allow_none=True)
    due = ma.fields.Nested(MoneyOut, allow_none=True, metadata={"description": "due now"})


class OperationImpactOut(ma.Schema):
    name = ma.fields.String()
    status = ma.fields.String()
    action = ma.fields.String(metadata={"description": "redo, scrap or replan"})
    cost = ma.fields.Dict()


class PreviewOut(ma.Schema):
    based_on_version = ma.fields.Integer()
    line = ma.fields.Integer()
    current_price = ma.fields.Dict()
    new_price = ma.fields.Dict()
    price_difference = ma.fields.Dict()
    earliest_date = ma.fields.String(allow_none=True)
    operations = ma.fields.List(ma.fields.Nested(OperationImpactOut))
    rework_cost = ma.fields.Dict()
    proofs_reopened = ma.fields.List(ma.fields.Integer())


class OperationOut(ma.Schema):
    id = ma.fields.Integer()
    seq = ma.fields.Integer()
    key = ma.fields.String()
    name = ma.fields.String()
    durations = ma.fields.Dict(metadata={"description": "resource group → minutes"})
    setup_family = ma.fields.String(allow_none=True)
    gates = ma.fields.List(ma.fields.String())
    quality_check = ma.fields.Boolean()
    cut_off = ma.fields.Boolean()
    design = ma.fields.Boolean()
    status = ma.fields.String()


class JobOut(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String(metadata={"description": "production, design or hold"})
    expires_at = ma.fields.AwareDateTime(allow_none=True)
    order_id = ma.fields.Integer()
    unit_id = ma.fields.Integer(allow_none=True)
    line = ma.fields.Integer()
    product_family = ma.fields.String()
    status = ma.fields.String()
    materials_expected_at = ma.fields.AwareDateTime(
        allow_none=True,
        metadata={"description": "when operations with a materials gate can start at the "
                  "earliest (null: no materials gate)"},
    )
    materials_received_at = ma.fields.AwareDateTime(
        allow_none=True, metadata={"description": "null until the materials are received"}
    )
    arcs = ma.fields.List(ma.fields.Dict())
    operations = ma.fields.List(ma.fields.Nested(OperationOut))


class HoldIn(Schema):
    hours = ma.fields.Integer(
        load_default=72,
        validate=ma.validate.Range(1, 24 * 30),
        metadata={"description": "how long the capacity stays held"},
    )


class TrackingTokenOut(ma.Schema):
    tracking_token = ma.fields.String()
    tracking_url = ma.fields.String()


def order_view(row: Any) -> dict[str, Any]:
    """The order as the API shows it (plain values; the schemas only document it)."""
    allowed = d.TRANSITIONS[d.Mode(row.mode)][d.OrderStatus(row.status)]
    return {
        "id": row.id,
        "reference": row.reference,
        "mode": row.mode,
        "status": row.status,
        "allowed_next": [s.value for s in allowed],
        "version": row.version,
        "customer": {
            "name": row.customer_name,
            "contact": row.customer_contact,
            "language": row.customer_language,
        },
        "delivery_address": row.delivery_address,
        "currency": row.currency,
        "total": row.total_amount,
        "deposit_required": row.deposit_required,
        "requested_date": row.requested_date,
        "rush": row.rush,
        "target_serial": row.target_serial,
        "lines": [
            {k: v for k, v in line.items() if k != "job_template"}
            for line in row.lines
        ],
        "design": row.design,
        "brief": row.brief,
        "cancellation": row.cancellation,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }
