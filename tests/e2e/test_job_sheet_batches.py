"""Job-sheet batches through HTTP, rendered by the embedded worker (eager)."""

import hashlib
import io
from datetime import timedelta

import pytest
from pypdf import PdfReader

from mcbackend.adapters import orm
from mcbackend.adapters.tasks import InProcessTasks
from mcbackend.adapters.unit_of_work import UnitOfWork
from mcbackend.services import job_sheet_batches
from tests.e2e.orders_helpers import planned_sofa


@pytest.fixture
def app(app):
    app.extensions["mcbackend.tasks"] = InProcessTasks(eager=True)
    return app


@pytest.fixture
def planned(api):
    return planned_sofa(api)


def _batches(plant: int) -> str:
    return f"/api/v1/plants/{plant}/job-sheet-batches"


def test_a_batch_is_queued_rendered_stored_and_downloaded(api, planned):
    response = api.post(_batches(planned["plant"]), json={})
    assert response.status_code == 202, response.get_json()
    queued = response.get_json()
    assert queued["status"] == "queued" and queued["plant_id"] == planned["plant"]
    location = response.headers["Location"]
    assert location.endswith(f"{_batches(planned['plant'])}/{queued['id']}")

    batch = api.get(location).get_json()
    assert batch["status"] == "done", batch
    assert batch["pages"] >= 1 and batch["error"] is None
    assert batch["finished_at"] >= batch["started_at"] >= batch["requested_at"]

    document = api.get(f"{location}/document.pdf")
    assert document.status_code == 200 and document.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(document.data))
    assert len(reader.pages) == batch["pages"]
    assert planned["order"]["reference"] in "\n".join(p.extract_text() for p in reader.pages)
    stored = api.get(f"/api/v1/files/{batch['file_id']}").get_json()
    assert stored["sha256"] == hashlib.sha256(document.data).hexdigest()
    assert document.headers["ETag"] == f'"{stored["sha256"]}"'
    # The same sheets as the synchronous PDF, which stays for small plans.
    synchronous = api.get(f"/api/v1/plants/{planned['plant']}/job-sheets.pdf")
    assert len(PdfReader(io.BytesIO(synchronous.data)).pages) == batch["pages"]


def test_a_window_and_an_idempotency_key(api, planned):
    window = {"start": "2020-01-01T00:00:00Z", "end": "2020-01-02T00:00:00Z"}
    headers = {"Idempotency-Key": "batch-1"}
    first = api.post(_batches(planned["plant"]), json=window, headers=headers)
    again = api.post(_batches(planned["plant"]), json=window, headers=headers)
    assert first.status_code == again.status_code == 202
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["id"] == first.get_json()["id"]
    assert again.headers["Location"] == first.headers["Location"]
    # Nothing is planned in that window: the render fails and says why.
    failed = api.get(first.headers["Location"]).get_json()
    assert failed["status"] == "failed" and "no planned jobs" in failed["error"]
    assert failed["start"] == "2020-01-01T00:00:00+00:00" and failed["pages"] is None
    other_body = api.post(_batches(planned["plant"]), json={}, headers=headers)
    assert other_body.status_code == 422


def test_a_failed_render_marks_the_batch_failed(api, planned, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the printer font is gone")

    monkeypatch.setattr(job_sheet_batches.documents, "batch_pdf", broken)
    batch = api.post(_batches(planned["plant"]), json={}).get_json()
    failed = api.get(f"{_batches(planned['plant'])}/{batch['id']}").get_json()
    assert failed["status"] == "failed" and failed["file_id"] is None
    assert failed["error"] == "RuntimeError: the printer font is gone"
    document = api.get(f"{_batches(planned['plant'])}/{batch['id']}/document.pdf")
    assert document.status_code == 409 and document.get_json()["code"] == "batch_not_done"
    assert document.mimetype == "application/problem+json"


def test_not_done_unknown_and_bad_requests(app, api, planned, seeded_db):
    app.extensions["mcbackend.tasks"] = _NoWorker()
    batch = api.post(_batches(planned["plant"]), json={}).get_json()
    item = f"{_batches(planned['plant'])}/{batch['id']}"
    assert api.get(item).get_json()["status"] == "queued"
    document = api.get(f"{item}/document.pdf")
    assert document.status_code == 409
    assert document.get_json()["batch_status"] == "queued"

    assert api.post(_batches(999999), json={}).status_code == 404
    assert api.get(f"{_batches(999999)}/{batch['id']}").status_code == 404
    assert api.get(f"{_batches(planned['plant'])}/999999").status_code == 404
    backwards = {"start": "2026-02-01T00:00:00Z", "end": "2026-01-01T00:00:00Z"}
    response = api.post(_batches(planned["plant"]), json=backwards)
    assert response.status_code == 422 and response.get_json()["code"] == "invalid_window"
    # Malformed filters are 400 with the field, like every other request.
    malformed = api.post(_batches(planned["plant"]), json={"start": "tomorrow"})
    assert malformed.status_code == 400 and malformed.get_json()["code"] == "invalid_input"
    assert api.post(_batches(planned["plant"]), json={"resource": 1}).status_code == 400

    # A batch no worker picked up for too long is reported failed when read.
    factory = app.extensions["mcbackend.db"].session_factory
    with UnitOfWork(factory, seeded_db.tenant_id) as uow:
        row = uow.job_sheet_batches.get(batch["id"])
        row.requested_at = orm.utcnow() - job_sheet_batches.QUEUE_TIMEOUT - timedelta(minutes=1)
        uow.commit()
    lost = api.get(item).get_json()
    assert lost["status"] == "failed" and "no worker picked it up" in lost["error"]


def test_a_plant_without_a_plan_is_a_409(api):
    plant = api.get("/api/v1/plants").get_json()[0]["id"]
    response = api.post(_batches(plant), json={})
    assert response.status_code == 409 and response.get_json()["code"] == "no_active_plan"


def test_a_shopfloor_key_may_print_batches(api, planned):
    key = api.post("/api/v1/api-keys", json={"name": "floor", "role": "shopfloor"}).get_json()
    floor = api.with_key(key["key"])
    response = floor.post(_batches(planned["plant"]), json={})
    assert response.status_code == 202
    assert floor.get(f"{response.headers['Location']}/document.pdf").status_code == 200
    assert api.with_key(None).post(_batches(planned["plant"]), json={}).status_code == 401


class _NoWorker:
    """Tasks are accepted and never run, like a queue whose workers are all down."""

    def submit(self, task, *args, **kwargs) -> None:
        pass

    def shutdown(self) -> None:
        pass


def test_old_batches_give_up_their_pdf_when_a_new_one_is_requested(app, api, planned, seeded_db):
    first = api.post(_batches(planned["plant"]), json={}).get_json()
    item = f"{_batches(planned['plant'])}/{first['id']}"
    done = api.get(item).get_json()
    assert done["status"] == "done"
    factory = app.extensions["mcbackend.db"].session_factory
    storage = app.extensions["mcbackend.storage"]
    with UnitOfWork(factory, seeded_db.tenant_id) as uow:
        key = uow.files.get(done["file_id"]).storage_key
        assert storage.get(key)
        row = uow.job_sheet_batches.get(first["id"])
        row.finished_at = orm.utcnow() - timedelta(days=15)  # past the 14 days kept
        uow.commit()

    second = api.post(_batches(planned["plant"]), json={}).get_json()
    expired = api.get(item).get_json()
    assert expired["status"] == "expired" and expired["file_id"] is None
    gone = api.get(f"{item}/document.pdf")
    assert gone.status_code == 409 and gone.get_json()["code"] == "batch_expired"
    with UnitOfWork(factory, seeded_db.tenant_id) as uow:
        assert not uow.files.list(orm.StoredFile.storage_key == key)  # the row went
    with pytest.raises(FileNotFoundError):
        storage.get(key)  # and the bytes
    # The new batch is untouched.
    latest = f"{_batches(planned['plant'])}/{second['id']}/document.pdf"
    assert api.get(latest).status_code == 200
