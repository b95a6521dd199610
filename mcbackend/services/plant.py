"""Use cases for plants, shift calendars and resources."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mcbackend.adapters import orm
from mcbackend.adapters.unit_of_work import UnitOfWork
from mcbackend.domain.errors import Conflict, FieldProblem, InvalidInput


def list_plants(uow: UnitOfWork, page: int, page_size: int) -> tuple[Sequence[orm.Plant], int]:
    return uow.plants.page(page, page_size)


def list_calendars(uow: UnitOfWork, plant_id: int) -> Sequence[orm.ShiftCalendar]:
    uow.plants.get(plant_id)
    return uow.calendars.list(orm.ShiftCalendar.plant_id == plant_id)


def list_resources(
    uow: UnitOfWork, page: int, page_size: int, *, plant_id: int | None, group: str | None
) -> tuple[Sequence[orm.Resource], int]:
    criteria = []
    if plant_id is not None:
        criteria.append(orm.Resource.plant_id == plant_id)
    if group is None:
        return uow.resources.page(page, page_size, *criteria)
    # Groups live in a JSON list; plants have tens of resources, so filter in Python.
    rows = [r for r in uow.resources.list(*criteria) if group in r.groups]
    start = (page - 1) * page_size
    return rows[start : start + page_size], len(rows)


def _check_references(uow: UnitOfWork, plant_id: int, calendar_id: int | None) -> None:
    uow.plants.get(plant_id)
    if calendar_id is None:
        return
    calendar = uow.calendars.find(calendar_id)
    if calendar is None or calendar.plant_id != plant_id:
        raise InvalidInput(
            f"calendar {calendar_id} does not exist in plant {plant_id}",
            code="unknown_reference",
            errors=[FieldProblem("calendar_id", "unknown_reference", "no such calendar here")],
        )


def create_resource(uow: UnitOfWork, data: dict[str, Any]) -> orm.Resource:
    _check_references(uow, data["plant_id"], data.get("calendar_id"))
    if uow.resources.find_by(plant_id=data["plant_id"], code=data["code"]) is not None:
        raise Conflict(
            f"resource code {data['code']!r} is already used in this plant",
            code="duplicate_code",
            errors=[FieldProblem("code", "duplicate", "already used in this plant")],
        )
    resource = uow.resources.add(orm.Resource(**data))
    uow.flush()
    return resource


def update_resource(uow: UnitOfWork, resource_id: int, changes: dict[str, Any]) -> orm.Resource:
    resource = uow.resources.get(resource_id)
    if "calendar_id" in changes:
        _check_references(uow, resource.plant_id, changes["calendar_id"])
    code = changes.get("code")
    if code and code != resource.code:
        clash = uow.resources.find_by(plant_id=resource.plant_id, code=code)
        if clash is not None:
            raise Conflict(
                f"resource code {code!r} is already used in this plant",
                code="duplicate_code",
                errors=[FieldProblem("code", "duplicate", "already used in this plant")],
            )
    for name, value in changes.items():
        setattr(resource, name, value)
    uow.flush()
    return resource
