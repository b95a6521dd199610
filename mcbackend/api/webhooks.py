"""Webhook endpoints, their delivery log and replays; the public events; the e-mail log."""

from __future__ import annotations

import marshmallow as ma
from flask import current_app
from flask.views import MethodView

from mcbackend.api.base import Blueprint, Schema, columns_of, requires, unit_of_work, utcnow
from mcbackend.domain.auth import Role
from mcbackend.domain.notifications import EVENT_TYPES
from mcbackend.services import notifications, webhooks
from mcbackend.services.delivery import target_policy

blp = Blueprint(
    "webhooks",
    __name__,
    url_prefix="/api/v1",
    description="Webhooks (Standard Webhooks signatures), public events and customer e-mails",
)

DELIVERY_STATUSES = ("pending", "succeeded", "failed", "dead")
NOTIFICATION_STATUSES = ("pending", "sent", "failed", "dead", "skipped")

_EVENT_TYPES_DOC = {
    "description": "public event types to receive; empty or left out: all of them",
    "example": ["order.confirmed", "order.shipped"],
}


class EndpointCreate(Schema):
    url = ma.fields.String(
        required=True,
        validate=ma.validate.Length(1, 2000),
        metadata={
            "description": "https URL of a public receiver",
            "example": "https://erp.example.com/hooks/mc",
        },
    )
    event_types = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(EVENT_TYPES)), metadata=_EVENT_TYPES_DOC
    )
    description = ma.fields.String(validate=ma.validate.Length(0, 500))
    active = ma.fields.Boolean()


class EndpointPatch(EndpointCreate):
    url = ma.fields.String(validate=ma.validate.Length(1, 2000))


class EndpointOut(ma.Schema):
    id = ma.fields.Integer()
    url = ma.fields.String()
    description = ma.fields.String()
    event_types = ma.fields.List(ma.fields.String(), metadata=_EVENT_TYPES_DOC)
    active = ma.fields.Boolean()
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()
    previous_secret_expires_at = ma.fields.AwareDateTime(
        allow_none=True,
        metadata={"description": "until then the previous secret also signs every request"},
    )


class EndpointWithSecret(EndpointOut):
    secret = ma.fields.String(
        metadata={"description": "the signing secret (whsec_…); shown only in this response"}
    )


class DeliveryOut(ma.Schema):
    id = ma.fields.Integer()
    endpoint_id = ma.fields.Integer()
    event_id = ma.fields.Integer()
    event_type = ma.fields.String()
    status = ma.fields.String(metadata={"description": " | ".join(DELIVERY_STATUSES)})
    attempts = ma.fields.Integer()
    next_attempt_at = ma.fields.AwareDateTime(allow_none=True)
    last_status_code = ma.fields.Integer(allow_none=True)
    last_error = ma.fields.String(allow_none=True)
    last_response_ms = ma.fields.Integer(allow_none=True)
    delivered_at = ma.fields.AwareDateTime(allow_none=True)
    created_at = ma.fields.AwareDateTime()


class AttemptOut(ma.Schema):
    number = ma.fields.Integer()
    at = ma.fields.AwareDateTime()
    status_code = ma.fields.Integer(allow_none=True)
    error = ma.fields.String(allow_none=True)
    response_ms = ma.fields.Integer(allow_none=True)


class DeliveryDetail(DeliveryOut):
    attempts_log = ma.fields.List(ma.fields.Nested(AttemptOut))


class DeliveryQuery(Schema):
    status = ma.fields.String(validate=ma.validate.OneOf(DELIVERY_STATUSES))


class ReplayIn(Schema):
    event_ids = ma.fields.List(ma.fields.Integer(), validate=ma.validate.Length(1, 1000))
    since = ma.fields.AwareDateTime(metadata={"description": "every event from this time on"})


class ReplayOut(ma.Schema):
    replayed = ma.fields.Integer(metadata={"description": "deliveries queued again"})


class PublicEventOut(ma.Schema):
    id = ma.fields.Integer()
    type = ma.fields.String()
    order_id = ma.fields.Integer(allow_none=True)
    payload = ma.fields.Dict(metadata={"description": "the webhook body: type, timestamp, data"})
    created_at = ma.fields.AwareDateTime()


class PublicEventQuery(Schema):
    type = ma.fields.String(validate=ma.validate.OneOf(EVENT_TYPES))
    order_id = ma.fields.Integer()


class NotificationOut(ma.Schema):
    id = ma.fields.Integer()
    event_id = ma.fields.Integer()
    order_id = ma.fields.Integer(allow_none=True)
    event_type = ma.fields.String()
    template = ma.fields.String()
    language = ma.fields.String()
    recipient = ma.fields.String(allow_none=True)
    subject = ma.fields.String(allow_none=True)
    status = ma.fields.String(metadata={"description": " | ".join(NOTIFICATION_STATUSES)})
    attempts = ma.fields.Integer()
    next_attempt_at = ma.fields.AwareDateTime(allow_none=True)
    last_error = ma.fields.String(allow_none=True)
    sent_at = ma.fields.AwareDateTime(allow_none=True)
    created_at = ma.fields.AwareDateTime()


class NotificationQuery(Schema):
    order_id = ma.fields.Integer()
    status = ma.fields.String(validate=ma.validate.OneOf(NOTIFICATION_STATUSES))



def _policy():
    return target_policy(current_app.config)


@blp.route("/webhook-endpoints")
class Endpoints(MethodView):
    @requires(Role.INTEGRATOR)
    @blp.paginate()
    @blp.response(200, EndpointOut(many=True))
    def get(self, pagination_parameters):
        """List the tenant's webhook endpoints"""
        with unit_of_work() as uow:
            rows, total = uow.webhook_endpoints.page(
                pagination_parameters.page, pagination_parameters.page_size
            )
        pagination_parameters.item_count = total
        return rows

    @requires(Role.INTEGRATOR)
    @blp.arguments(EndpointCreate)
    @blp.response(201, EndpointWithSecret)
    def post(self, data):
        """Register a webhook endpoint; the response is the only time its secret is shown"""
        with unit_of_work() as uow:
            return webhooks.create_endpoint(uow, data, _policy())


@blp.route("/webhook-endpoints/<int:endpoint_id>")
class EndpointItem(MethodView):
    @requires(Role.INTEGRATOR)
    @blp.response(200, EndpointOut)
    def get(self, endpoint_id: int):
        """One webhook endpoint (without its secret)"""
        with unit_of_work() as uow:
            return uow.webhook_endpoints.get(endpoint_id)

    @requires(Role.INTEGRATOR)
    @blp.arguments(EndpointPatch)
    @blp.response(200, EndpointOut)
    def patch(self, data, endpoint_id: int):
        """Change an endpoint's URL, event types, description or active flag"""
        with unit_of_work() as uow:
            return webhooks.update_endpoint(uow, endpoint_id, data, _policy())

    @requires(Role.INTEGRATOR)
    @blp.response(204)
    def delete(self, endpoint_id: int):
        """Remove an endpoint and its delivery log"""
        with unit_of_work() as uow:
            webhooks.delete_endpoint(uow, endpoint_id)


@blp.route("/webhook-endpoints/<int:endpoint_id>/secret")
class EndpointSecret(MethodView):
    @requires(Role.INTEGRATOR)
    @blp.response(201, EndpointWithSecret)
    def post(self, endpoint_id: int):
        """Rotate the signing secret; the old one keeps signing beside it for 24 hours"""
        with unit_of_work() as uow:
            return webhooks.rotate_secret(uow, endpoint_id, utcnow())


@blp.route("/webhook-endpoints/<int:endpoint_id>/replay")
class EndpointReplay(MethodView):
    @requires(Role.INTEGRATOR)
    @blp.arguments(ReplayIn)
    @blp.response(202, ReplayOut)
    def post(self, data, endpoint_id: int):
        """Send events to this endpoint again: by id, or every event since a time"""
        with unit_of_work() as uow:
            count = webhooks.replay_events(
                uow,
                endpoint_id,
                utcnow(),
                event_ids=data.get("event_ids", ()),
                since=data.get("since"),
            )
        return {"replayed": count}


@blp.route("/webhook-endpoints/<int:endpoint_id>/deliveries")
class EndpointDeliveries(MethodView):
    @requires(Role.INTEGRATOR)
    @blp.arguments(DeliveryQuery, location="query")
    @blp.paginate()
    @blp.response(200, DeliveryOut(many=True))
    def get(self, query, endpoint_id: int, pagination_parameters):
        """The endpoint's delivery log, newest first"""
        with unit_of_work() as uow:
            rows, total = webhooks.list_deliveries(
                uow,
                endpoint_id,
                pagination_parameters.page,
                pagination_parameters.page_size,
                query.get("status"),
            )
        pagination_parameters.item_count = total
        return rows


@blp.route("/webhook-deliveries/<int:delivery_id>")
class DeliveryItem(MethodView):
    @requires(Role.INTEGRATOR)
    @blp.response(200, DeliveryDetail)
    def get(self, delivery_id: int):
        """One delivery with every attempt made for it"""
        with unit_of_work() as uow:
            delivery = uow.webhook_deliveries.get(delivery_id)
            attempts = webhooks.attempts_of(uow, delivery_id)
        return {**columns_of(delivery), "attempts_log": attempts}


@blp.route("/webhook-deliveries/<int:delivery_id>/replay")
class DeliveryReplay(MethodView):
    @requires(Role.INTEGRATOR)
    @blp.response(202, DeliveryOut)
    def post(self, delivery_id: int):
        """Send this delivery again (same webhook-id, so receivers can drop duplicates)"""
        with unit_of_work() as uow:
            return webhooks.replay_delivery(uow, delivery_id, utcnow())


@blp.route("/events")
class Events(MethodView):
    @requires(Role.INTEGRATOR)
    @blp.arguments(PublicEventQuery, location="query")
    @blp.paginate()
    @blp.response(200, PublicEventOut(many=True))
    def get(self, query, pagination_parameters):
        """The tenant's public events (what webhooks deliver), newest first"""
        with unit_of_work() as uow:
            rows, total = webhooks.list_events(
                uow,
                pagination_parameters.page,
                pagination_parameters.page_size,
                query.get("type"),
                query.get("order_id"),
            )
        pagination_parameters.item_count = total
        return rows


@blp.route("/events/<int:event_id>")
class EventItem(MethodView):
    @requires(Role.INTEGRATOR)
    @blp.response(200, PublicEventOut)
    def get(self, event_id: int):
        """One public event"""
        with unit_of_work() as uow:
            return uow.outbox.get(event_id)


@blp.route("/notifications")
class Notifications(MethodView):
    @requires(Role.INTEGRATOR)
    @blp.arguments(NotificationQuery, location="query")
    @blp.paginate()
    @blp.response(200, NotificationOut(many=True))
    def get(self, query, pagination_parameters):
        """The customer e-mail log, newest first"""
        with unit_of_work() as uow:
            rows, total = notifications.list_notifications(
                uow,
                pagination_parameters.page,
                pagination_parameters.page_size,
                query.get("order_id"),
                query.get("status"),
            )
        pagination_parameters.item_count = total
        return rows
