"""Executing a schedule run when a queue delivers it twice or after its worker died."""

from datetime import timedelta

from mcbackend.adapters import orm
from mcbackend.adapters.database import Database
from mcbackend.adapters.unit_of_work import UnitOfWork
from mcbackend.services import scheduling
from tests.e2e.orders_helpers import confirmed_sofa


def _setup(seeded_db, api):
    confirmed_sofa(api)  # something to plan
    database = Database(seeded_db.url)
    with UnitOfWork(database.session_factory, seeded_db.tenant_id) as uow:
        plant_id = uow.plants.list()[0].id
    return database, plant_id


def _request(database, tenant_id, plant_id) -> int:
    with UnitOfWork(database.session_factory, tenant_id) as uow:
        data = {"time_limit_s": 2, "workers": 1, "publish": True}
        return scheduling.request_run(uow, plant_id, data, "manual", orm.utcnow()).id


def _run(database, tenant_id, run_id) -> orm.ScheduleRun:
    with UnitOfWork(database.session_factory, tenant_id) as uow:
        run = uow.schedule_runs.get(run_id)
        uow.session.expunge(run)
        return run


def _mark_running(database, tenant_id, run_id, started_ago: timedelta) -> None:
    with UnitOfWork(database.session_factory, tenant_id) as uow:
        run = uow.schedule_runs.get(run_id)
        run.status = "running"
        run.started_at = orm.utcnow() - started_ago
        uow.commit()


def test_a_second_delivery_of_a_finished_run_does_nothing(seeded_db, api):
    database, plant_id = _setup(seeded_db, api)
    run_id = _request(database, seeded_db.tenant_id, plant_id)
    assert scheduling.execute_run(database.session_factory, seeded_db.tenant_id, run_id) is None
    first = _run(database, seeded_db.tenant_id, run_id)
    assert first.status == "published" and first.plan_version == 1
    assert scheduling.execute_run(database.session_factory, seeded_db.tenant_id, run_id) is None
    again = _run(database, seeded_db.tenant_id, run_id)
    assert (again.status, again.plan_version, again.started_at) == (
        "published", 1, first.started_at,
    )
    database.dispose()


def test_a_run_held_by_a_live_worker_is_left_alone_until_its_claim_is_lost(seeded_db, api):
    database, plant_id = _setup(seeded_db, api)
    run_id = _request(database, seeded_db.tenant_id, plant_id)
    _mark_running(database, seeded_db.tenant_id, run_id, timedelta(seconds=1))
    held = _run(database, seeded_db.tenant_id, run_id)
    retry_at = scheduling.execute_run(
        database.session_factory, seeded_db.tenant_id, run_id, lost_after=timedelta(seconds=30)
    )
    assert retry_at == held.started_at + timedelta(seconds=2 + 30)
    after = _run(database, seeded_db.tenant_id, run_id)
    assert (after.status, after.started_at) == ("running", held.started_at)
    database.dispose()


def test_a_run_abandoned_by_a_dead_worker_is_taken_over_and_published(seeded_db, api):
    database, plant_id = _setup(seeded_db, api)
    run_id = _request(database, seeded_db.tenant_id, plant_id)
    _mark_running(database, seeded_db.tenant_id, run_id, timedelta(seconds=40))
    result = scheduling.execute_run(
        database.session_factory, seeded_db.tenant_id, run_id, lost_after=timedelta(seconds=30)
    )
    assert result is None
    run = _run(database, seeded_db.tenant_id, run_id)
    assert run.status == "published" and run.plan_version == 1 and run.error is None
    assert orm.utcnow() - run.started_at < timedelta(seconds=30)  # the new claim
    database.dispose()


def test_a_worker_whose_claim_was_taken_over_stores_nothing(seeded_db, api, monkeypatch):
    database, plant_id = _setup(seeded_db, api)
    run_id = _request(database, seeded_db.tenant_id, plant_id)
    real_solve = scheduling.solve

    def solve_then_lose_the_claim(problem, options):
        result = real_solve(problem, options)
        # Meanwhile another worker decided this one was lost and took the run over.
        _mark_running(database, seeded_db.tenant_id, run_id, timedelta(0))
        return result

    monkeypatch.setattr(scheduling, "solve", solve_then_lose_the_claim)
    assert scheduling.execute_run(database.session_factory, seeded_db.tenant_id, run_id) is None
    run = _run(database, seeded_db.tenant_id, run_id)
    assert run.status == "running" and run.solver_status is None
    with UnitOfWork(database.session_factory, seeded_db.tenant_id) as uow:
        assert uow.plants.get(plant_id).active_run_id is None
    database.dispose()
