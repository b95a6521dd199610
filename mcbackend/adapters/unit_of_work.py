"""The unit of work: one session, one transaction, the repositories that use it."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from mcbackend.adapters import orm, repositories
from mcbackend.adapters.order_store import OrderStore


class UnitOfWork:
    """``with UnitOfWork(factory, tenant_id) as uow: ...; uow.commit()``.

    Leaving the block without ``commit()`` rolls back. Repositories of tenant-owned rows
    exist only when the unit of work is bound to a tenant.
    """

    def __init__(self, session_factory: sessionmaker[Session], tenant_id: int | None = None):
        self.session_factory = session_factory
        self.tenant_id = tenant_id

    def __enter__(self) -> UnitOfWork:
        self.session = self.session_factory()
        if self.tenant_id is not None:
            self._bind_tenant(self.tenant_id)
        return self

    def _bind_tenant(self, tenant_id: int) -> None:
        s = self.session
        self.api_keys = repositories.ApiKeyRepository(s, tenant_id)
        self.plants = repositories.PlantRepository(s, tenant_id)
        self.calendars = repositories.CalendarRepository(s, tenant_id)
        self.resources = repositories.ResourceRepository(s, tenant_id)
        self.products = repositories.ProductRepository(s, tenant_id)
        self.product_versions = repositories.ProductVersionRepository(s, tenant_id)
        self.idempotency = repositories.IdempotencyRepository(s, tenant_id)
        self.files = repositories.FileRepository(s, tenant_id)
        self.quotes = repositories.QuoteRepository(s, tenant_id)
        self.orders = repositories.OrderRepository(s, tenant_id)
        self.order_store = OrderStore(s, tenant_id)
        self.payments = repositories.PaymentRepository(s, tenant_id)
        self.units = repositories.UnitRepository(s, tenant_id)
        self.jobs = repositories.JobRepository(s, tenant_id)
        self.operations = repositories.OperationRepository(s, tenant_id)
        self.schedule_runs = repositories.ScheduleRunRepository(s, tenant_id)
        self.job_sheet_batches = repositories.JobSheetBatchRepository(s, tenant_id)
        self.downtimes = repositories.DowntimeRepository(s, tenant_id)
        self.outbox = repositories.OutboxRepository(s, tenant_id)
        self.webhook_endpoints = repositories.WebhookEndpointRepository(s, tenant_id)
        self.webhook_deliveries = repositories.WebhookDeliveryRepository(s, tenant_id)
        self.webhook_attempts = repositories.WebhookAttemptRepository(s, tenant_id)
        self.notifications = repositories.NotificationRepository(s, tenant_id)
        self.feedback = repositories.FeedbackRepository(s, tenant_id)
        self.tickets = repositories.TicketRepository(s, tenant_id)

    def for_tenant(self, tenant_id: int) -> UnitOfWork:
        """Bind the repositories to a tenant found inside this transaction."""
        self.tenant_id = tenant_id
        self._bind_tenant(tenant_id)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() rolls back whatever was not committed; unlike rollback() it leaves the loaded
        # rows readable (detached), so views can serialize what a service returned.
        if self.session is not None:
            self.session.close()

    def hand_over(self) -> Session:
        """The open session (its transaction and pooled connection) for another unit of work
        to continue; leaving this block no longer closes it."""
        session, self.session = self.session, None
        return session

    def commit(self) -> None:
        self.session.commit()

    def flush(self) -> None:
        self.session.flush()

    # Tenant-less lookups, used before we know who is calling.
    def tenant_by_slug(self, slug: str) -> orm.Tenant | None:
        return self.session.scalars(select(orm.Tenant).where(orm.Tenant.slug == slug)).one_or_none()

    def api_key_by_prefix(self, prefix: str) -> orm.ApiKey | None:
        stmt = select(orm.ApiKey).where(orm.ApiKey.prefix == prefix)
        return self.session.scalars(stmt).one_or_none()

    def order_by_tracking_hash(self, token_hash: str) -> orm.Order | None:
        stmt = select(orm.Order).where(orm.Order.tracking_token_hash == token_hash)
        return self.session.scalars(stmt).one_or_none()

    def tracked_order_version(self, token_hash: str) -> tuple[int, int, int] | None:
        """(order id, tenant id, version) of the order a tracking token hash opens."""
        stmt = select(orm.Order.id, orm.Order.tenant_id, orm.Order.version).where(
            orm.Order.tracking_token_hash == token_hash
        )
        row = self.session.execute(stmt).one_or_none()
        return None if row is None else tuple(row)
