"""Use cases of the configurator: validate, propagate, explain and complete a configuration
of a product version, resolving uploaded-file references on the way."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from mcbackend import configurator
from mcbackend.adapters import orm
from mcbackend.adapters.unit_of_work import UnitOfWork
from mcbackend.domain.catalog import ProductDefinition
from mcbackend.domain.errors import BusinessRuleViolation, FieldProblem


class DefinitionCache:
    """Parsed definitions by content hash. Versions are immutable, so entries never go stale,
    and the configurator caches its compiled CP-SAT model on the definition object."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._items: OrderedDict[str, ProductDefinition] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, version: orm.ProductVersion) -> ProductDefinition:
        with self._lock:
            found = self._items.get(version.content_hash)
            if found is not None:
                self._items.move_to_end(version.content_hash)
                return found
        definition = ProductDefinition.from_dict(version.definition)
        with self._lock:
            self._items[version.content_hash] = definition
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return definition


definitions = DefinitionCache()


def product_version(
    uow: UnitOfWork, product_id: int, version: int | None = None
) -> tuple[orm.ProductVersion, ProductDefinition]:
    """The requested version of a product (default: its current one) and its definition."""
    row = uow.product_versions.of_product(product_id, version or None)
    return row, definitions.get(row)


def product_version_with_setting(
    uow: UnitOfWork, product_id: int, version: int | None, setting: str
) -> tuple[orm.ProductVersion, ProductDefinition, Any]:
    """`product_version` and one of the tenant's settings, read in the same query."""
    row, value = uow.product_versions.of_product_with_setting(product_id, version or None, setting)
    return row, definitions.get(row), value


def resolve_files(
    uow: UnitOfWork, definition: ProductDefinition, configuration: dict[str, Any]
) -> dict[str, Any]:
    """Replace ``{"file_id": n}`` values of file attributes by the stored file's facts, so
    type and size rules are checked against what was really uploaded."""
    resolved = dict(configuration)
    problems = []
    for attribute in definition.attributes:
        value = configuration.get(attribute.code)
        if attribute.type != "file" or not isinstance(value, dict) or "file_id" not in value:
            continue
        stored = uow.files.find(value["file_id"]) if isinstance(value["file_id"], int) else None
        if stored is None:
            problems.append(
                FieldProblem(
                    f"configuration.{attribute.code}",
                    "unknown_file",
                    f"no uploaded file with id {value['file_id']!r}",
                )
            )
            continue
        resolved[attribute.code] = {
            "file_id": stored.id,
            "name": stored.filename,
            "content_type": stored.content_type,
            "size": stored.size,
            "sha256": stored.sha256,
        }
    if problems:
        raise BusinessRuleViolation(
            "the configuration refers to files that do not exist",
            code="unknown_file",
            errors=problems,
        )
    return resolved


def _prepared(
    uow: UnitOfWork, product_id: int, version: int | None, configuration: dict[str, Any]
) -> tuple[orm.ProductVersion, ProductDefinition, dict[str, Any]]:
    row, definition = product_version(uow, product_id, version)
    return row, definition, resolve_files(uow, definition, configuration)


def _with_version(row: orm.ProductVersion, result: dict[str, Any]) -> dict[str, Any]:
    return {"product_id": row.product_id, "version": row.version, **result}


def validate(
    uow: UnitOfWork, product_id: int, version: int | None, configuration: dict[str, Any]
) -> dict[str, Any]:
    row, definition, values = _prepared(uow, product_id, version, configuration)
    return _with_version(row, configurator.validate(definition, values).to_dict())


def propagate(
    uow: UnitOfWork, product_id: int, version: int | None, configuration: dict[str, Any]
) -> dict[str, Any]:
    row, definition, values = _prepared(uow, product_id, version, configuration)
    return _with_version(row, configurator.propagate(definition, values).to_dict())


def explain(
    uow: UnitOfWork, product_id: int, version: int | None, configuration: dict[str, Any]
) -> dict[str, Any]:
    row, definition, values = _prepared(uow, product_id, version, configuration)
    return _with_version(row, configurator.explain(definition, values).to_dict())


def complete(
    uow: UnitOfWork,
    product_id: int,
    version: int | None,
    configuration: dict[str, Any],
    strategy: str,
) -> dict[str, Any]:
    row, definition, values = _prepared(uow, product_id, version, configuration)
    return _with_version(row, configurator.complete(definition, values, strategy).to_dict())


def require_valid(definition: ProductDefinition, configuration: dict[str, Any]) -> dict[str, Any]:
    """The normalized configuration, or a 422 listing every violation."""
    result = configurator.validate(definition, configuration)
    if not result.valid:
        raise BusinessRuleViolation(
            f"the configuration breaks {len(result.violations)} rule(s) of the product",
            code="invalid_configuration",
            errors=[
                FieldProblem(
                    "configuration." + (v.attributes[0] if v.attributes else ""),
                    v.code,
                    v.message,
                    {"attributes": v.attributes, **({"rule": v.rule} if v.rule else {})},
                )
                for v in result.violations
            ],
        )
    return result.configuration
