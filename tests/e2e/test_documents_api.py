"""PDF documents through HTTP, with text checks on what they say."""

import io

import pytest
from pypdf import PdfReader

from mcbackend.adapters.tasks import InProcessTasks
from tests.e2e.orders_helpers import confirmed_sofa, planned_sofa


@pytest.fixture
def app(app):
    app.extensions["mcbackend.tasks"] = InProcessTasks(eager=True)
    return app


@pytest.fixture
def planned(api):
    planned = planned_sofa(api)
    jobs = api.get(f"/api/v1/orders/{planned['order']['id']}/jobs").get_json()
    return {**planned, "job": jobs[0]}


def _text(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_job_sheet_shows_labels_operations_and_numbers(api, planned):
    text = _text(api.get(f"/api/v1/jobs/{planned['job']['id']}/sheet.pdf"))
    assert planned["order"]["reference"] in text
    assert "Sectional sofa" in text and "L-shape corner" in text  # labels, not codes
    assert "l_shape" not in text
    assert "Cutting table" in text or "CNC router" in text
    assert api.get(f"/api/v1/jobs/{planned['job']['id']}").get_json()["id"] == planned["job"]["id"]


def test_batch_dispatch_timeline_and_quote(api, planned):
    batch = _text(api.get(f"/api/v1/plants/{planned['plant']}/job-sheets.pdf"))
    assert planned["order"]["reference"] in batch
    plan = api.get(f"/api/v1/plants/{planned['plant']}/plan").get_json()["assignments"]
    first = min(plan, key=lambda a: a["start"])
    dispatch = api.get(
        f"/api/v1/resources/{first['resource_id']}/dispatch-list.pdf"
        f"?start=2026-01-01T00:00:00Z&end=2027-12-31T00:00:00Z"
    )
    assert planned["order"]["reference"] in _text(dispatch)
    timeline = _text(api.get(f"/api/v1/orders/{planned['order']['id']}/timeline.pdf"))
    assert planned["order"]["reference"] in timeline and "Production" in timeline
    quote = _text(api.get(f"/api/v1/orders/{planned['order']['id']}/quote.pdf"))
    assert "Deposit" in quote and "non-returnable" in quote


def test_customer_token_fetches_only_its_timeline_and_quote(api, planned):
    token = planned["order"]["tracking_token"]
    customer = api.with_key(None)
    timeline = customer.get(f"/api/v1/track/{token}/timeline.pdf")
    assert planned["order"]["reference"] in _text(timeline)
    assert "Deposit" in _text(customer.get(f"/api/v1/track/{token}/quote.pdf"))
    assert customer.get(f"/api/v1/jobs/{planned['job']['id']}/sheet.pdf").status_code == 401
    assert customer.get(f"/api/v1/track/{token}x/timeline.pdf").status_code == 404


def test_unplanned_and_superseded_jobs_are_refused(api):
    order = confirmed_sofa(api)
    job = api.get(f"/api/v1/orders/{order['id']}/jobs").get_json()[0]
    unplanned = api.get(f"/api/v1/jobs/{job['id']}/sheet.pdf")
    assert unplanned.status_code == 409 and unplanned.get_json()["code"] == "job_not_planned"
    new_config = {**order["configuration"], "width": order["configuration"]["width"] + 20}
    api.post(
        f"/api/v1/orders/{order['id']}/changes",
        json={"configuration": new_config, "version": order["version"]},
    )
    superseded = api.get(f"/api/v1/jobs/{job['id']}/sheet.pdf")
    assert superseded.status_code == 409
    assert superseded.get_json()["code"] == "job_superseded"
    assert superseded.get_json()["current_jobs"]


def test_stored_quote_pdf(api):
    sofa = api.get("/api/v1/products").get_json()[0]["id"]
    config = api.post(
        f"/api/v1/products/{sofa}/configurator/complete", json={"configuration": {}}
    ).get_json()["configuration"]
    quote = api.post("/api/v1/quotes", json={"product_id": sofa, "configuration": config})
    text = _text(api.get(f"/api/v1/quotes/{quote.get_json()['id']}.pdf"))
    assert ("Sectional sofa" in text and "Valid" in text) or "valid" in text


def test_tenant_branding_reaches_the_documents(api, planned):
    import struct
    import zlib

    def png(width=4, height=4) -> bytes:
        raw = b"".join(b"\x00" + b"\x1f\x4e\x79" * width for _ in range(height))

        def chunk(kind, data):
            body = kind + data
            return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

        header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
        return (
            b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b"")
        )

    upload = {"file": (io.BytesIO(png()), "logo.png", "image/png")}
    logo = api.client.post("/api/v1/files", data=upload, headers=api._headers(None)).get_json()
    branded = api.patch(
        "/api/v1/tenant",
        json={
            "branding": {
                "accent_colour": "#AA3300",
                "page_size": "Letter",
                "logo_file_id": logo["id"],
            }
        },
    )
    assert branded.status_code == 200, branded.get_json()
    assert branded.get_json()["branding"]["page_size"] == "Letter"
    response = api.get(f"/api/v1/jobs/{planned['job']['id']}/sheet.pdf")
    page = PdfReader(io.BytesIO(response.data)).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (612, 792)
    pdf = api.client.post(
        "/api/v1/files",
        data={"file": (io.BytesIO(b"%PDF-1.4 x"), "l.pdf", "application/pdf")},
        headers=api._headers(None),
    ).get_json()
    bad = api.patch("/api/v1/tenant", json={"branding": {"logo_file_id": pdf["id"]}})
    assert bad.status_code == 422 and bad.get_json()["code"] == "invalid_logo"
