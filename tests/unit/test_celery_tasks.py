"""The Celery app's settings and the adapter's mapping of service functions to tasks
(no broker is contacted)."""

import pytest

from mcbackend.adapters.celery_tasks import (
    EXECUTE_RUN,
    SOLVE_HARD_LIMIT_S,
    SOLVE_SOFT_LIMIT_S,
    CeleryTasks,
    make_celery,
)
from mcbackend.config import load_config
from mcbackend.services import scheduling
from mcbackend.services.outbox_dispatch import dispatch


@pytest.fixture
def celery():
    config = load_config({"BROKER_URL": "redis://127.0.0.1:6379/0", "DATABASE_URL": "sqlite://"})
    return make_celery(config)


def test_tasks_are_acknowledged_late_one_at_a_time_and_returned_when_a_worker_dies(celery):
    conf = celery.conf
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_serializer == "json" and conf.accept_content == ["json"]
    assert conf.task_routes[EXECUTE_RUN] == {"queue": "solver"}
    assert conf.task_default_queue == "default"
    # Redis gives a lost task out again only after the longest solve could have finished.
    assert conf.broker_transport_options["visibility_timeout"] > SOLVE_HARD_LIMIT_S


def test_solve_time_limits_leave_room_for_the_longest_solve(celery):
    task = celery.tasks[EXECUTE_RUN]
    assert scheduling.MAX_TIME_LIMIT_S < task.soft_time_limit == SOLVE_SOFT_LIMIT_S
    assert task.time_limit == SOLVE_HARD_LIMIT_S > SOLVE_SOFT_LIMIT_S


def test_submit_sends_the_plain_values_to_the_named_task(celery, monkeypatch):
    sent = []
    monkeypatch.setattr(celery, "send_task", lambda name, args: sent.append((name, args)))
    tasks = CeleryTasks(celery)
    tasks.submit(scheduling.execute_run, object(), 7, 42)  # the session factory stays behind
    assert sent == [(EXECUTE_RUN, [7, 42])]
    with pytest.raises(ValueError, match="dispatch has no Celery task"):
        tasks.submit(dispatch, object())
