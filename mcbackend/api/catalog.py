"""Products and their immutable versions."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView

from mcbackend.api.base import ALL_ROLES, Blueprint, Schema, columns_of, requires, unit_of_work
from mcbackend.api.idempotency import idempotent
from mcbackend.domain.auth import Role
from mcbackend.services import catalog

blp = Blueprint("products", __name__, url_prefix="/api/v1/products", description="Product catalog")


class ProductOut(ma.Schema):
    id = ma.fields.Integer()
    sku = ma.fields.String()
    name = ma.fields.String()
    active = ma.fields.Boolean()
    current_version = ma.fields.Integer()
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()


class ProductVersionOut(ma.Schema):
    product_id = ma.fields.Integer()
    version = ma.fields.Integer()
    created_at = ma.fields.AwareDateTime()
    definition = ma.fields.Dict(
        metadata={"description": "attributes, rules, presets and prices of this version"}
    )


class ProductDetailOut(ProductOut):
    definition = ma.fields.Dict(metadata={"description": "the current version's definition"})


class ProductListQuery(Schema):
    active = ma.fields.Boolean(metadata={"description": "only active (or inactive) products"})


class DefinitionIn(Schema):
    definition = ma.fields.Dict(
        required=True,
        metadata={"description": "product definition: sku, name, attributes, rules, pricing…"},
    )


class ProductPatch(Schema):
    active = ma.fields.Boolean(required=True)


def _detail(product, version) -> dict:
    return {**columns_of(product), "definition": version.definition}


@blp.route("")
class Products(MethodView):
    @requires(*ALL_ROLES)
    @blp.arguments(ProductListQuery, location="query")
    @blp.paginate()
    @blp.response(200, ProductOut(many=True))
    def get(self, query, pagination_parameters):
        """List products"""
        with unit_of_work() as uow:
            rows, total = catalog.list_products(
                uow,
                pagination_parameters.page,
                pagination_parameters.page_size,
                active=query.get("active"),
            )
        pagination_parameters.item_count = total
        return rows

    @requires(Role.ADMIN)
    @idempotent
    @blp.arguments(DefinitionIn)
    @blp.response(201, ProductDetailOut)
    def post(self, data):
        """Create a product from a definition (validated: rules, satisfiability, presets)"""
        with unit_of_work() as uow:
            version = catalog.create_product(uow, data["definition"])
            product, _ = catalog.get_product(uow, version.product_id)
            uow.commit()
        return _detail(product, version)


@blp.route("/<int:product_id>")
class ProductItem(MethodView):
    @requires(*ALL_ROLES)
    @blp.response(200, ProductDetailOut)
    def get(self, product_id: int):
        """A product with its current definition"""
        with unit_of_work() as uow:
            return _detail(*catalog.get_product(uow, product_id))

    @requires(Role.ADMIN)
    @blp.arguments(ProductPatch)
    @blp.response(200, ProductOut)
    def patch(self, data, product_id: int):
        """Activate or retire a product (existing orders keep working)"""
        with unit_of_work() as uow:
            product = catalog.set_product_active(uow, product_id, data["active"])
            uow.commit()
        return product


@blp.route("/<int:product_id>/versions")
class ProductVersions(MethodView):
    @requires(Role.ADMIN)
    @idempotent
    @blp.arguments(DefinitionIn)
    @blp.response(201, ProductVersionOut)
    def post(self, data, product_id: int):
        """Publish a new version; it becomes current, earlier quotes and orders keep theirs"""
        with unit_of_work() as uow:
            version = catalog.publish_version(uow, product_id, data["definition"])
            uow.commit()
        return version


@blp.route("/<int:product_id>/versions/<int:version>")
class ProductVersionItem(MethodView):
    @requires(*ALL_ROLES)
    @blp.response(200, ProductVersionOut)
    def get(self, product_id: int, version: int):
        """One version of a product, exactly as it was published"""
        with unit_of_work() as uow:
            return catalog.get_product_version(uow, product_id, version)
