"""Small repositories. Tenant-owned ones are bound to one tenant at construction, so a
query can't forget the tenant filter: another tenant's id simply isn't found."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, bindparam, func, select
from sqlalchemy.orm import Session, defer

from mcbackend.adapters import orm
from mcbackend.domain.errors import NotFound

T = TypeVar("T", bound=orm.Base)


class TenantRepository(Generic[T]):
    model: type[T]
    noun: str = "resource"

    def __init__(self, session: Session, tenant_id: int) -> None:
        self.session = session
        self.tenant_id = tenant_id

    def _scoped(self, *criteria: ColumnElement[bool]):
        return select(self.model).where(self.model.tenant_id == self.tenant_id, *criteria)

    def add(self, obj: T) -> T:
        obj.tenant_id = self.tenant_id
        self.session.add(obj)
        return obj

    def find(self, id_: int, *, for_update: bool = False) -> T | None:
        stmt = self._scoped(self.model.id == id_)
        if for_update:
            stmt = stmt.with_for_update()
        return self.session.scalars(stmt).one_or_none()

    def get(self, id_: int, *, for_update: bool = False) -> T:
        obj = self.find(id_, for_update=for_update)
        if obj is None:
            raise NotFound(f"{self.noun} {id_} not found", code=f"{self.noun}_not_found")
        return obj

    def find_by(self, **values: Any) -> T | None:
        criteria = [getattr(self.model, k) == v for k, v in values.items()]
        return self.session.scalars(self._scoped(*criteria)).one_or_none()

    def list(self, *criteria: ColumnElement[bool], order_by: Any = None) -> Sequence[T]:
        stmt = self._scoped(*criteria).order_by(order_by if order_by is not None else self.model.id)
        return self.session.scalars(stmt).all()

    def page(
        self, page: int, page_size: int, *criteria: ColumnElement[bool], order_by: Any = None
    ) -> tuple[Sequence[T], int]:
        """One page in a stable order (by id unless told otherwise) and the total count."""
        base = self._scoped(*criteria)
        total = self.session.scalar(select(func.count()).select_from(base.subquery())) or 0
        offset = (page - 1) * page_size
        if offset >= total:  # past the last row; also keeps a huge page off the database
            return [], total
        stmt = (
            base.order_by(order_by if order_by is not None else self.model.id)
            .offset(offset)
            .limit(page_size)
        )
        return self.session.scalars(stmt).all(), total

    def delete(self, obj: T) -> None:
        self.session.delete(obj)


class ApiKeyRepository(TenantRepository[orm.ApiKey]):
    model = orm.ApiKey
    noun = "api_key"


class PlantRepository(TenantRepository[orm.Plant]):
    model = orm.Plant
    noun = "plant"


class CalendarRepository(TenantRepository[orm.ShiftCalendar]):
    model = orm.ShiftCalendar
    noun = "calendar"


class ResourceRepository(TenantRepository[orm.Resource]):
    model = orm.Resource
    noun = "resource"


class ProductRepository(TenantRepository[orm.Product]):
    model = orm.Product
    noun = "product"


class ProductVersionRepository(TenantRepository[orm.ProductVersion]):
    model = orm.ProductVersion
    noun = "product_version"

    def get_version(self, product_id: int, version: int) -> orm.ProductVersion:
        row = self.find_by(product_id=product_id, version=version)
        if row is None:
            raise _no_version(product_id, version)
        return row

    def of_product(self, product_id: int, version: int | None = None) -> orm.ProductVersion:
        """A version of a product, by default its current one: one query, not two. The
        definition (a large JSON document) is loaded only when read: callers parse it through
        services.configuration.DefinitionCache, keyed by the version's content hash."""
        return self._of_product(product_id, version, None)[0]

    def of_product_with_setting(
        self, product_id: int, version: int | None, setting: str
    ) -> tuple[orm.ProductVersion, Any]:
        """`of_product` and one of the tenant's settings (None when unset) in the same query:
        placing an order needs the tenant's payment plan beside the product."""
        return self._of_product(product_id, version, setting)

    def _of_product(
        self, product_id: int, version: int | None, setting: str | None
    ) -> tuple[orm.ProductVersion, Any]:
        params = {"product_id": product_id, "tenant_id": self.tenant_id}
        if version is not None:
            params["version"] = version
        stmt = _of_product_statement(version is not None, setting)
        found = self.session.execute(stmt, params).one_or_none()
        if found is None:
            raise NotFound(f"product {product_id} not found", code="product_not_found")
        current, row, *values = found
        if row is None:
            raise _no_version(product_id, current if version is None else version)
        return row, values[0] if values else None


@functools.cache
def _of_product_statement(pinned: bool, setting: str | None) -> Select:
    """The product-version query with bound parameters, built once per shape: it runs for
    every order line, and building a statement anew costs more than executing it."""
    product_version = orm.ProductVersion
    tenant_id = bindparam("tenant_id")
    wanted = bindparam("version") if pinned else orm.Product.current_version
    columns: list[Any] = [orm.Product.current_version, product_version]
    if setting is not None:
        columns.append(orm.Tenant.settings[setting])
    stmt = (
        select(*columns)
        .options(defer(product_version.definition))
        .outerjoin(
            product_version,
            (product_version.product_id == orm.Product.id)
            & (product_version.version == wanted)
            & (product_version.tenant_id == tenant_id),
        )
        .where(orm.Product.id == bindparam("product_id"), orm.Product.tenant_id == tenant_id)
    )
    if setting is not None:
        stmt = stmt.join(orm.Tenant, orm.Tenant.id == orm.Product.tenant_id)
    return stmt


def _no_version(product_id: int, version: int) -> NotFound:
    return NotFound(
        f"product {product_id} has no version {version}", code="product_version_not_found"
    )


class IdempotencyRepository(TenantRepository[orm.IdempotencyRecord]):
    model = orm.IdempotencyRecord
    noun = "idempotency_record"

    def by_key(self, key: str) -> orm.IdempotencyRecord:
        record = self.find_by(key=key)
        if record is None:
            raise NotFound(f"no request with Idempotency-Key {key!r}")
        return record


class FileRepository(TenantRepository[orm.StoredFile]):
    model = orm.StoredFile
    noun = "file"


class QuoteRepository(TenantRepository[orm.Quote]):
    model = orm.Quote
    noun = "quote"


class OrderRepository(TenantRepository[orm.Order]):
    model = orm.Order
    noun = "order"


class PaymentRepository(TenantRepository[orm.Payment]):
    model = orm.Payment
    noun = "payment"


class UnitRepository(TenantRepository[orm.Unit]):
    model = orm.Unit
    noun = "unit"

    def by_serial(self, serial: str) -> orm.Unit:
        unit = self.find_by(serial=serial)
        if unit is None:
            raise NotFound(f"no unit with serial {serial!r}", code="unit_not_found")
        return unit


class JobRepository(TenantRepository[orm.Job]):
    model = orm.Job
    noun = "job"


class ScheduleRunRepository(TenantRepository[orm.ScheduleRun]):
    model = orm.ScheduleRun
    noun = "schedule_run"


class JobSheetBatchRepository(TenantRepository[orm.JobSheetBatch]):
    model = orm.JobSheetBatch
    noun = "job_sheet_batch"


class DowntimeRepository(TenantRepository[orm.Downtime]):
    model = orm.Downtime
    noun = "downtime"


class OperationRepository(TenantRepository[orm.Operation]):
    model = orm.Operation
    noun = "operation"


class OutboxRepository(TenantRepository[orm.OutboxEvent]):
    model = orm.OutboxEvent
    noun = "event"


class FeedbackRepository(TenantRepository[orm.Feedback]):
    model = orm.Feedback
    noun = "feedback"


class TicketRepository(TenantRepository[orm.Ticket]):
    model = orm.Ticket
    noun = "ticket"


class WebhookEndpointRepository(TenantRepository[orm.WebhookEndpoint]):
    model = orm.WebhookEndpoint
    noun = "webhook_endpoint"


class WebhookDeliveryRepository(TenantRepository[orm.WebhookDelivery]):
    model = orm.WebhookDelivery
    noun = "webhook_delivery"


class WebhookAttemptRepository(TenantRepository[orm.WebhookAttempt]):
    model = orm.WebhookAttempt
    noun = "webhook_attempt"


class NotificationRepository(TenantRepository[orm.Notification]):
    model = orm.Notification
    noun = "notification"
