"""The ``mcbackend`` command."""

from __future__ import annotations

import sys
from typing import Any

import click

from mcbackend.config import load_config


def _database_url() -> str:
    return load_config()["DATABASE_URL"]


@click.group()
def main() -> None:
    """mcbackend: order-to-production backend for mass-customization manufacturers."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int, help="gunicorn processes")
@click.option("--threads", default=8, show_default=True, type=int, help="threads per process")
@click.option(
    "--demo/--no-demo",
    default=True,
    show_default=True,
    help="load the demo tenant into an empty database",
)
def serve(host: str, port: int, workers: int, threads: int, demo: bool) -> None:
    """Migrate the database, load the demo data if it is empty, and serve the API."""
    from mcbackend.adapters.database import Database
    from mcbackend.adapters.migrations import upgrade
    from mcbackend.demo import seed

    url = _database_url()
    upgrade(url)
    database = Database(url)
    key = None
    if demo:
        if not seed.demo_present(database.session_factory):
            key = seed.load_demo(database.session_factory).admin_key
            click.echo("Loaded the demo tenant 'atelier-nord' (plant, resources, catalog).")
        else:
            key = seed.issue_demo_key(database.session_factory, "demo admin (serve)")
    database.dispose()

    base = f"http://{host}:{port}"
    click.echo(f"mcbackend on {base}  (database: {url})")
    click.echo(f"  API docs:     {base}/api/docs")
    click.echo(f"  OpenAPI spec: {base}/api/openapi.json")
    if key:
        click.echo(f"  Demo admin API key (shown once): {key}")
        click.echo(f"  export MC_KEY={key}")
    sys.stdout.flush()
    _run_gunicorn(f"{host}:{port}", workers, threads, {"PUBLIC_BASE_URL": base})


def _run_gunicorn(bind: str, workers: int, threads: int, overrides: dict[str, Any]) -> None:
    from gunicorn.app.base import BaseApplication

    from mcbackend.app import create_app

    class _Server(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", bind)
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)
            self.cfg.set("worker_class", "gthread")

        def load(self):
            return create_app(overrides)

    _Server().run()


@main.command()
@click.option(
    "--queues",
    "-Q",
    default="solver,default",
    show_default=True,
    help="solver: schedule runs; default: job-sheet batches, webhook and e-mail passes",
)
@click.option(
    "--concurrency",
    "-c",
    default=1,
    show_default=True,
    type=int,
    help="processes, each running one task at a time",
)
@click.option("--beat/--no-beat", default=False, help="also schedule the outbox pass (run one)")
@click.option("--loglevel", default="INFO", show_default=True)
def worker(queues: str, concurrency: int, beat: bool, loglevel: str) -> None:
    """Run a Celery worker for solves, job-sheet batches and deliveries (needs MC_BROKER_URL)."""
    from mcbackend.adapters.celery_tasks import make_celery

    config = load_config()
    if not config["BROKER_URL"]:
        raise click.ClickException("set MC_BROKER_URL, e.g. redis://127.0.0.1:6379/0")
    argv = ["worker", f"--queues={queues}", f"--concurrency={concurrency}"]
    argv += [f"--loglevel={loglevel}", "--pool=prefork", "--without-gossip", "--without-mingle"]
    make_celery(config).worker_main(argv + (["--beat"] if beat else []))


@main.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--time-limit", default=30.0, show_default=True, type=float, help="seconds")
@click.option("--workers", default=2, show_default=True, type=int, help="CP-SAT workers")
def fjsp(path: str, time_limit: float, workers: int) -> None:
    """Solve a flexible-job-shop benchmark file (.fjs) and print one JSON line.

    The answer is checked by the independent feasibility checker before it is printed.
    """
    import json

    from mcbackend.scheduling.fjsp import solve_fjsp_file

    click.echo(json.dumps(solve_fjsp_file(path, time_limit, workers)))


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    from mcbackend.adapters.migrations import upgrade

    upgrade(_database_url(), revision)
    click.echo(f"database at {revision}")


@main.group()
def tenant() -> None:
    """Tenants (manufacturers)."""


@tenant.command("create")
@click.argument("slug")
@click.argument("name")
@click.option("--currency", default="EUR", show_default=True)
def tenant_create(slug: str, name: str, currency: str) -> None:
    """Create a tenant and print its first admin API key."""
    from mcbackend.adapters.database import Database
    from mcbackend.adapters.unit_of_work import UnitOfWork
    from mcbackend.domain.auth import Role
    from mcbackend.domain.errors import MCError
    from mcbackend.services import tenants

    database = Database(_database_url())
    try:
        with UnitOfWork(database.session_factory) as uow:
            row = tenants.create_tenant(uow, slug, name, currency)
            uow.for_tenant(row.id)
            _, key = tenants.issue_api_key(uow, "first admin", Role.ADMIN)
            uow.commit()
    except MCError as exc:
        raise click.ClickException(exc.detail) from exc
    click.echo(f"tenant {slug} created; admin API key (shown once): {key}")


@main.group()
def key() -> None:
    """API keys."""


@key.command("create")
@click.option("--tenant", "slug", required=True, help="tenant slug")
@click.option("--role", type=click.Choice(["admin", "integrator", "shopfloor"]), required=True)
@click.option("--name", required=True, help="what the key is for")
def key_create(slug: str, role: str, name: str) -> None:
    """Create an API key and print it (the only time it is shown)."""
    from mcbackend.adapters.database import Database
    from mcbackend.adapters.unit_of_work import UnitOfWork
    from mcbackend.domain.errors import MCError
    from mcbackend.services import tenants

    database = Database(_database_url())
    try:
        with UnitOfWork(database.session_factory) as uow:
            uow.for_tenant(tenants.require_tenant(uow, slug).id)
            _, plaintext = tenants.issue_api_key(uow, name, role)
            uow.commit()
    except MCError as exc:
        raise click.ClickException(exc.detail) from exc
    click.echo(plaintext)


@main.group()
def webhooks() -> None:
    """Webhook and e-mail delivery from the outbox."""


@webhooks.command("dispatch")
def webhooks_dispatch() -> None:
    """Run one dispatcher pass: fan out new events, send due webhooks and e-mails."""
    from mcbackend.adapters.database import Database
    from mcbackend.services.delivery import DispatchSettings
    from mcbackend.services.outbox_dispatch import dispatch

    config = load_config()
    database = Database(config["DATABASE_URL"])
    try:
        report = dispatch(database.session_factory, DispatchSettings.from_config(config))
    finally:
        database.dispose()
    click.echo(
        f"events fanned out: {report.fanned_out}; webhooks sent: {report.webhooks_sent}, "
        f"failed: {report.webhooks_failed}; e-mails sent: {report.emails_sent}, "
        f"failed: {report.emails_failed}"
    )
