"""The caller's tenant and its API keys."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView

from mcbackend.api.base import (
    ALL_ROLES,
    Blueprint,
    Schema,
    columns_of,
    current_principal,
    forget_key,
    requires,
    unit_of_work,
)
from mcbackend.api.idempotency import idempotent
from mcbackend.domain.auth import Role
from mcbackend.services import tenants

blp = Blueprint("tenant", __name__, url_prefix="/api/v1", description="Tenant and API keys")


class TenantOut(ma.Schema):
    id = ma.fields.Integer()
    slug = ma.fields.String()
    name = ma.fields.String()
    default_currency = ma.fields.String()
    created_at = ma.fields.AwareDateTime()
    branding = ma.fields.Function(lambda tenant: tenant.settings.get("branding", {}))
    payment_plan = ma.fields.Function(
        lambda tenant: tenant.settings.get("payment_plan"),
        metadata={"description": "tenant-wide payment plan overriding the products' own"},
    )
    role = ma.fields.Method("_role", metadata={"description": "the calling key's role"})

    def _role(self, _obj) -> str:
        return current_principal().role.value


class BrandingIn(Schema):
    accent_colour = ma.fields.String(
        validate=ma.validate.Regexp(r"^#[0-9A-Fa-f]{6}$", error="a colour like #1F4E79")
    )
    page_size = ma.fields.String(validate=ma.validate.OneOf(["A4", "Letter"]))
    logo_file_id = ma.fields.Integer(
        allow_none=True, metadata={"description": "an uploaded PNG or JPEG"}
    )


class TenantPatch(Schema):
    name = ma.fields.String(validate=ma.validate.Length(1, 200))
    payment_plan = ma.fields.Dict(
        allow_none=True,
        metadata={
            "description": "deposit_percent and milestones [{event, percent}]; null removes it",
            "example": {"deposit_percent": 40, "milestones": [{"event": "shipped", "percent": 30}]},
        },
    )
    branding = ma.fields.Nested(BrandingIn, metadata={"description": "how documents look"})


class ApiKeyOut(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    role = ma.fields.String()
    prefix = ma.fields.String(metadata={"description": "public part of the key, for audits"})
    created_at = ma.fields.AwareDateTime()
    last_used_at = ma.fields.AwareDateTime(allow_none=True)
    revoked_at = ma.fields.AwareDateTime(allow_none=True)


class ApiKeyCreated(ApiKeyOut):
    key = ma.fields.String(metadata={"description": "the secret key; shown only in this response"})


class ApiKeyCreate(Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(1, 200))
    role = ma.fields.String(required=True, validate=ma.validate.OneOf([r.value for r in Role]))


@blp.route("/tenant")
class TenantView(MethodView):
    @requires(*ALL_ROLES)
    @blp.response(200, TenantOut)
    def get(self):
        """The tenant the calling API key belongs to"""
        with unit_of_work() as uow:
            return tenants.get_tenant(uow, current_principal().tenant_id)

    @requires(Role.ADMIN)
    @blp.arguments(TenantPatch)
    @blp.response(200, TenantOut)
    def patch(self, data):
        """Rename the tenant or set its tenant-wide payment plan"""
        with unit_of_work() as uow:
            return tenants.update_tenant(uow, current_principal().tenant_id, data)


@blp.route("/api-keys")
class ApiKeys(MethodView):
    @requires(Role.ADMIN)
    @blp.paginate()
    @blp.response(200, ApiKeyOut(many=True))
    def get(self, pagination_parameters):
        """List the tenant's API keys (secrets are never shown again)"""
        with unit_of_work() as uow:
            rows, total = tenants.list_api_keys(
                uow, pagination_parameters.page, pagination_parameters.page_size
            )
        pagination_parameters.item_count = total
        return rows

    @requires(Role.ADMIN)
    @idempotent
    @blp.arguments(ApiKeyCreate)
    @blp.response(201, ApiKeyCreated)
    def post(self, data):
        """Create an API key; the response is the only time its secret is shown"""
        with unit_of_work() as uow:
            key, plaintext = tenants.issue_api_key(uow, data["name"], data["role"])
            uow.commit()
        return {**columns_of(key), "key": plaintext}


@blp.route("/api-keys/<int:key_id>")
class ApiKeyItem(MethodView):
    @requires(Role.ADMIN)
    @blp.response(200, ApiKeyOut)
    def get(self, key_id: int):
        """One API key"""
        with unit_of_work() as uow:
            return uow.api_keys.get(key_id)

    @requires(Role.ADMIN)
    @blp.response(200, ApiKeyOut)
    def delete(self, key_id: int):
        """Revoke an API key; requests with it fail from now on"""
        with unit_of_work() as uow:
            key = tenants.revoke_api_key(uow, key_id)
            uow.commit()
        forget_key(key.prefix)
        return key
