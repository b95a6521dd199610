"""Use cases for the product catalog.

A product's options, rules and prices live in immutable versions: writing a definition
creates a new version and makes it current; quotes and orders keep the version they used.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mcbackend.adapters import orm
from mcbackend.adapters.unit_of_work import UnitOfWork
from mcbackend.configurator import load_definition
from mcbackend.domain.errors import Conflict, FieldProblem


def list_products(
    uow: UnitOfWork, page: int, page_size: int, *, active: bool | None = None
) -> tuple[Sequence[orm.Product], int]:
    criteria = [] if active is None else [orm.Product.active == active]
    return uow.products.page(page, page_size, *criteria)


def get_product(uow: UnitOfWork, product_id: int) -> tuple[orm.Product, orm.ProductVersion]:
    product = uow.products.get(product_id)
    return product, uow.product_versions.get_version(product.id, product.current_version)


def get_product_version(uow: UnitOfWork, product_id: int, version: int) -> orm.ProductVersion:
    product = uow.products.get(product_id)
    return uow.product_versions.get_version(product.id, version)


def create_product(uow: UnitOfWork, definition: dict[str, Any]) -> orm.ProductVersion:
    """Validate a definition (structure, rules, satisfiability, presets) and store version 1."""
    normalized = load_definition(definition).to_dict()
    sku = normalized["sku"]
    if uow.products.find_by(sku=sku) is not None:
        raise Conflict(
            f"a product with SKU {sku!r} already exists",
            code="duplicate_sku",
            errors=[FieldProblem("definition.sku", "duplicate", "SKU already in the catalog")],
        )
    product = uow.products.add(orm.Product(sku=sku, name=normalized["name"], current_version=1))
    uow.flush()
    return _add_version(uow, product, 1, normalized)


def publish_version(
    uow: UnitOfWork, product_id: int, definition: dict[str, Any]
) -> orm.ProductVersion:
    """Store a new version of an existing product and make it current."""
    product = uow.products.get(product_id, for_update=True)
    normalized = load_definition(definition).to_dict()
    if normalized["sku"] != product.sku:
        raise Conflict(
            "a new version cannot change the product's SKU",
            code="sku_change",
            errors=[FieldProblem("definition.sku", "immutable", f"must stay {product.sku!r}")],
        )
    product.current_version += 1
    product.name = normalized["name"]
    return _add_version(uow, product, product.current_version, normalized)


def set_product_active(uow: UnitOfWork, product_id: int, active: bool) -> orm.Product:
    product = uow.products.get(product_id)
    product.active = active
    return product


def _add_version(
    uow: UnitOfWork, product: orm.Product, version: int, definition: dict[str, Any]
) -> orm.ProductVersion:
    row = uow.product_versions.add(
        orm.ProductVersion(
            product_id=product.id,
            version=version,
            definition=definition,
            content_hash=orm.definition_hash(definition),
        )
    )
    uow.flush()
    return row
