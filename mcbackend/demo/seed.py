"""Load the demo tenant, plant and catalog into a database."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from mcbackend.adapters import orm
from mcbackend.adapters.unit_of_work import UnitOfWork
from mcbackend.demo import plant as demo_plant
from mcbackend.demo.catalog import DEMO_PRODUCTS
from mcbackend.domain.auth import Role
from mcbackend.services import catalog, tenants


@dataclass(frozen=True)
class DemoTenant:
    tenant_id: int
    slug: str
    admin_key: str  # plaintext, only known right after seeding


def demo_present(session_factory: sessionmaker[Session]) -> bool:
    with UnitOfWork(session_factory) as uow:
        return uow.tenant_by_slug(demo_plant.TENANT["slug"]) is not None


def load_demo(session_factory: sessionmaker[Session]) -> DemoTenant:
    """Create the demo tenant with its plant, calendars, resources and products."""
    with UnitOfWork(session_factory) as uow:
        tenant = tenants.create_tenant(
            uow, demo_plant.TENANT["slug"], demo_plant.TENANT["name"], demo_plant.TENANT["currency"]
        )
        uow.for_tenant(tenant.id)
        plant = uow.plants.add(orm.Plant(**demo_plant.PLANT))
        uow.flush()
        calendars = {}
        for spec in demo_plant.CALENDARS:
            calendars[spec["code"]] = uow.calendars.add(
                orm.ShiftCalendar(plant_id=plant.id, **spec)
            )
        uow.flush()
        for spec in demo_plant.RESOURCES:
            fields = {k: v for k, v in spec.items() if k != "calendar"}
            uow.resources.add(
                orm.Resource(
                    plant_id=plant.id, calendar_id=calendars[spec["calendar"]].id, **fields
                )
            )
        for definition in DEMO_PRODUCTS:
            catalog.create_product(uow, definition)
        _, key = tenants.issue_api_key(uow, "demo admin", Role.ADMIN)
        uow.commit()
        return DemoTenant(tenant.id, tenant.slug, key)


def issue_demo_key(session_factory: sessionmaker[Session], name: str) -> str:
    """A fresh admin key for the demo tenant (keys are stored hashed and can't be shown again)."""
    with UnitOfWork(session_factory) as uow:
        tenant = tenants.require_tenant(uow, demo_plant.TENANT["slug"])
        uow.for_tenant(tenant.id)
        _, key = tenants.issue_api_key(uow, name, Role.ADMIN)
        uow.commit()
        return key
