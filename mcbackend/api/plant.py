"""Plants, shift calendars and resources."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView

from mcbackend.api.base import ALL_ROLES, Blueprint, Schema, requires, unit_of_work
from mcbackend.api.idempotency import idempotent
from mcbackend.domain.auth import Role
from mcbackend.services import plant as plant_service

blp = Blueprint("plant", __name__, url_prefix="/api/v1", description="Plants and resources")

RESOURCE_KINDS = ("machine", "station", "person")


class PlantOut(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()
    timezone = ma.fields.String()
    plan_version = ma.fields.Integer(metadata={"description": "version of the active plan"})
    active_run_id = ma.fields.Integer(allow_none=True)


class ShiftOut(ma.Schema):
    weekday = ma.fields.Integer(metadata={"description": "0 = Monday"})
    start = ma.fields.String(metadata={"example": "06:00"})
    end = ma.fields.String(metadata={"example": "14:00"})


class CalendarOut(ma.Schema):
    id = ma.fields.Integer()
    plant_id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()
    shifts = ma.fields.List(ma.fields.Nested(ShiftOut))
    holidays = ma.fields.List(ma.fields.String())


class ResourceOut(ma.Schema):
    id = ma.fields.Integer()
    plant_id = ma.fields.Integer()
    calendar_id = ma.fields.Integer(allow_none=True)
    code = ma.fields.String()
    name = ma.fields.String()
    kind = ma.fields.String()
    capacity = ma.fields.Integer()
    setup_minutes = ma.fields.Integer()
    groups = ma.fields.List(ma.fields.String())
    active = ma.fields.Boolean()


class ResourceCreate(Schema):
    plant_id = ma.fields.Integer(required=True)
    calendar_id = ma.fields.Integer(allow_none=True)
    code = ma.fields.String(
        required=True,
        validate=ma.validate.Regexp(
            r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", error="1-64 letters, digits, _ . -"
        ),
    )
    name = ma.fields.String(required=True, validate=ma.validate.Length(1, 200))
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(RESOURCE_KINDS))
    capacity = ma.fields.Integer(load_default=1, validate=ma.validate.Range(1, 1000))
    setup_minutes = ma.fields.Integer(
        load_default=0,
        validate=ma.validate.Range(0, 24 * 60),
        metadata={"description": "changeover when the setup family changes"},
    )
    groups = ma.fields.List(ma.fields.String(validate=ma.validate.Length(1, 64)), load_default=list)
    active = ma.fields.Boolean(load_default=True)


class ResourcePatch(ResourceCreate):
    """Any subset of a resource's fields (used with partial=True)."""


class ResourceQuery(Schema):
    plant_id = ma.fields.Integer()
    group = ma.fields.String(metadata={"description": "only resources with this skill/group"})


@blp.route("/plants")
class Plants(MethodView):
    @requires(*ALL_ROLES)
    @blp.paginate()
    @blp.response(200, PlantOut(many=True))
    def get(self, pagination_parameters):
        """List plants"""
        with unit_of_work() as uow:
            rows, total = plant_service.list_plants(
                uow, pagination_parameters.page, pagination_parameters.page_size
            )
        pagination_parameters.item_count = total
        return rows


@blp.route("/plants/<int:plant_id>")
class PlantItem(MethodView):
    @requires(*ALL_ROLES)
    @blp.response(200, PlantOut)
    def get(self, plant_id: int):
        """One plant"""
        with unit_of_work() as uow:
            return uow.plants.get(plant_id)


@blp.route("/plants/<int:plant_id>/calendars")
class Calendars(MethodView):
    @requires(*ALL_ROLES)
    @blp.response(200, CalendarOut(many=True))
    def get(self, plant_id: int):
        """The plant's shift calendars"""
        with unit_of_work() as uow:
            return plant_service.list_calendars(uow, plant_id)


@blp.route("/resources")
class Resources(MethodView):
    @requires(*ALL_ROLES)
    @blp.arguments(ResourceQuery, location="query")
    @blp.paginate()
    @blp.response(200, ResourceOut(many=True))
    def get(self, query, pagination_parameters):
        """List machines, stations and people"""
        with unit_of_work() as uow:
            rows, total = plant_service.list_resources(
                uow,
                pagination_parameters.page,
                pagination_parameters.page_size,
                plant_id=query.get("plant_id"),
                group=query.get("group"),
            )
        pagination_parameters.item_count = total
        return rows

    @requires(Role.ADMIN)
    @idempotent
    @blp.arguments(ResourceCreate)
    @blp.response(201, ResourceOut)
    def post(self, data):
        """Add a resource to a plant"""
        with unit_of_work() as uow:
            resource = plant_service.create_resource(uow, data)
            uow.commit()
        return resource


@blp.route("/resources/<int:resource_id>")
class ResourceItem(MethodView):
    @requires(*ALL_ROLES)
    @blp.response(200, ResourceOut)
    def get(self, resource_id: int):
        """One resource"""
        with unit_of_work() as uow:
            return uow.resources.get(resource_id)

    @requires(Role.ADMIN)
    @blp.arguments(ResourcePatch(partial=True, exclude=("plant_id",)))
    @blp.response(200, ResourceOut)
    def patch(self, data, resource_id: int):
        """Change a resource (set active=false to retire it; history keeps it)"""
        with unit_of_work() as uow:
            resource = plant_service.update_resource(uow, resource_id, data)
            uow.commit()
        return resource
