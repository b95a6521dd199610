"""Use cases for tenants and their API keys."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError

from mcbackend.adapters import orm
from mcbackend.adapters.orm import utcnow
from mcbackend.adapters.unit_of_work import UnitOfWork
from mcbackend.domain.auth import (
    NewApiKey,
    Principal,
    Role,
    generate_api_key,
    secret_matches,
    split_api_key,
)
from mcbackend.domain.catalog import PaymentPlanPolicy, parse_payment_plan
from mcbackend.domain.errors import (
    BusinessRuleViolation,
    Conflict,
    FieldProblem,
    InvalidInput,
    NotFound,
    Unauthenticated,
)

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
# Recording every use would turn each read into a write; a minute's precision is plenty.
_LAST_USED_RESOLUTION = timedelta(minutes=1)


def create_tenant(uow: UnitOfWork, slug: str, name: str, currency: str = "EUR") -> orm.Tenant:
    if not _SLUG.match(slug):
        raise InvalidInput(
            "tenant slug must be 2-63 lowercase letters, digits or dashes",
            errors=[FieldProblem("slug", "invalid_slug", "use lowercase letters, digits, dashes")],
        )
    tenant = orm.Tenant(slug=slug, name=name, default_currency=currency, settings={})
    uow.session.add(tenant)
    try:
        uow.flush()
    except IntegrityError as exc:
        raise Conflict(f"tenant {slug!r} already exists", code="tenant_exists") from exc
    return tenant


def issue_api_key(uow: UnitOfWork, name: str, role: Role | str) -> tuple[orm.ApiKey, str]:
    """Create a key for the unit of work's tenant; returns the row and the plaintext (once)."""
    try:
        role = Role(role)
    except ValueError as exc:
        raise InvalidInput(
            f"unknown role {role!r}",
            errors=[FieldProblem("role", "invalid_choice", f"one of {[r.value for r in Role]}")],
        ) from exc
    new: NewApiKey = generate_api_key()
    key = uow.api_keys.add(
        orm.ApiKey(name=name, role=role.value, prefix=new.prefix, secret_hash=new.secret_hash)
    )
    uow.flush()
    return key, new.plaintext


def list_api_keys(uow: UnitOfWork, page: int, page_size: int) -> tuple[Sequence[orm.ApiKey], int]:
    return uow.api_keys.page(page, page_size)


def revoke_api_key(uow: UnitOfWork, key_id: int, now: datetime | None = None) -> orm.ApiKey:
    key = uow.api_keys.get(key_id)
    if key.revoked_at is None:
        key.revoked_at = now or utcnow()
    return key


def authenticate(uow: UnitOfWork, presented: str, now: datetime | None = None) -> Principal:
    """Resolve a presented key to a principal, or raise Unauthenticated (same error for every
    failure, so a caller learns nothing about which part was wrong)."""
    parts = split_api_key(presented)
    key = uow.api_key_by_prefix(parts[0]) if parts else None
    if parts is None or key is None or key.revoked_at is not None:
        raise Unauthenticated("invalid or revoked API key", code="invalid_api_key")
    if not secret_matches(parts[1], key.secret_hash):
        raise Unauthenticated("invalid or revoked API key", code="invalid_api_key")
    now = now or utcnow()
    if key.last_used_at is None or now - key.last_used_at >= _LAST_USED_RESOLUTION:
        key.last_used_at = now
        uow.commit()
    return Principal(
        tenant_id=key.tenant_id, tenant_slug=key.tenant.slug, key_id=key.id, role=Role(key.role)
    )


def get_tenant(uow: UnitOfWork, tenant_id: int) -> orm.Tenant:
    tenant = uow.session.get(orm.Tenant, tenant_id)
    if tenant is None:
        raise NotFound(f"tenant {tenant_id} not found", code="tenant_not_found")
    return tenant


def require_tenant(uow: UnitOfWork, slug: str) -> orm.Tenant:
    tenant = uow.tenant_by_slug(slug)
    if tenant is None:
        raise NotFound(f"tenant {slug!r} not found", code="tenant_not_found")
    return tenant


def update_tenant(uow: UnitOfWork, tenant_id: int, changes: dict[str, Any]) -> orm.Tenant:
    """Rename the tenant, set its document branding or its tenant-wide payment plan
    (a payment plan of None removes it)."""
    tenant = get_tenant(uow, tenant_id)
    if "name" in changes:
        tenant.name = changes["name"]
    settings = dict(tenant.settings)
    if "branding" in changes:
        settings["branding"] = _branding(
            uow, {**settings.get("branding", {}), **changes["branding"]}
        )
    if "payment_plan" in changes:
        if changes["payment_plan"] is None:
            settings.pop("payment_plan", None)
        else:
            settings["payment_plan"] = parse_payment_plan(changes["payment_plan"]).to_dict()
    tenant.settings = settings  # reassign: JSON columns don't track in-place changes
    uow.commit()
    return tenant


def _branding(uow: UnitOfWork, branding: dict[str, Any]) -> dict[str, Any]:
    logo = branding.get("logo_file_id")
    if logo is not None:
        stored = uow.files.find(logo)
        if stored is None or stored.content_type not in ("image/png", "image/jpeg"):
            raise BusinessRuleViolation(
                "the logo must be an uploaded PNG or JPEG file",
                code="invalid_logo",
                errors=[FieldProblem("branding.logo_file_id", "invalid_logo", "PNG or JPEG")],
            )
    return {k: val for k, val in branding.items() if val is not None}


PAYMENT_PLAN = "payment_plan"  # the tenant setting that holds the plan


def tenant_payment_plan(uow: UnitOfWork) -> PaymentPlanPolicy | None:
    """The tenant-wide payment plan that overrides the products' own, if one is set."""
    return payment_plan_from(get_tenant(uow, uow.tenant_id).settings.get(PAYMENT_PLAN))


def payment_plan_from(raw: dict[str, Any] | None) -> PaymentPlanPolicy | None:
    """The stored tenant payment plan setting as a policy (None when unset)."""
    return None if raw is None else parse_payment_plan(raw)
