"""The customer's HTML tracking page at /t/<token>: content, languages, forms, CSRF, errors."""
# ruff: noqa: RUF001  (Russian text is Cyrillic by design)

import io
import re

import pytest

from tests.e2e.orders_helpers import co_order_with_proof, confirmed_sofa, pay_due

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def cake(api):
    """A co-design cake order for a Russian-speaking customer, with one open proof."""
    return co_order_with_proof(
        api, {"name": "Ольга", "contact": "olga@example.com", "language": "ru-RU"}
    )


def _page(client, token, lang=None):
    response = client.get(f"/t/{token}" + (f"?lang={lang}" if lang else ""))
    assert response.status_code == 200, response.data[:500]
    return response.get_data(as_text=True)


def _csrf(html: str) -> str:
    return CSRF.search(html).group(1)


def test_page_shows_the_order_in_the_customers_language(app, cake):
    client = app.test_client()
    html = _page(client, cake["tracking_token"])
    assert '<html lang="ru">' in html
    assert cake["reference"] in html
    assert "Разрабатываем дизайн вместе с вами" in html  # status in words
    assert "Макет 1" in html and "Утвердить этот дизайн" in html
    assert 'data-stage="design"' in html and 'data-stage="production"' in html
    assert f"/t/{cake['tracking_token']}/files/{cake['mockup']}" in html
    english = _page(client, cake["tracking_token"], lang="en")
    assert '<html lang="en">' in english
    assert "Designing with you" in english and "Approve this design" in english
    assert 'for="comment-1"' in english and 'id="comment-1"' in english  # labelled inputs


def test_security_headers_and_cookie(app, cake):
    response = app.test_client().get(f"/t/{cake['tracking_token']}")
    assert response.headers["X-Frame-Options"] == "DENY"
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["Referrer-Policy"] == "no-referrer"
    cookie = response.headers["Set-Cookie"]
    assert "SameSite=Lax" in cookie and "HttpOnly" in cookie


def test_approving_by_form_changes_the_status_and_timeline(app, cake):
    client = app.test_client()
    token = cake["tracking_token"]
    html = _page(client, token, lang="en")
    assert 'data-stage="design" data-state="active"' in html
    response = client.post(f"/t/{token}/proofs/1/decision?lang=en",
                           data={"csrf_token": _csrf(html), "decision": "approve"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/t/{token}?lang=en")
    after = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "proof 1 is approved" in after  # the flash message
    assert 'data-status="design_approved"' in after
    assert 'data-stage="design" data-state="done"' in after
    assert 'data-event="proof_approved"' in after
    assert "Approve this design" not in after  # nothing left to decide


def test_request_changes_needs_a_comment(app, cake):
    client = app.test_client()
    token = cake["tracking_token"]
    csrf = _csrf(_page(client, token))
    empty = client.post(f"/t/{token}/proofs/1/decision",
                        data={"csrf_token": csrf, "decision": "request_changes", "comment": " "},
                        follow_redirects=True).get_data(as_text=True)
    assert "Пожалуйста, напишите, что изменить." in empty
    assert 'data-status="awaiting_design"' in empty
    done = client.post(f"/t/{token}/proofs/1/decision",
                       data={"csrf_token": csrf, "decision": "request_changes",
                             "comment": "more pink"}, follow_redirects=True)
    assert "дизайнер подготовит новый макет" in done.get_data(as_text=True)
    assert "more pink" in done.get_data(as_text=True)


def test_posts_without_the_csrf_token_are_refused(app, api, cake):
    client = app.test_client()
    token = cake["tracking_token"]
    _page(client, token)  # a session exists, but the form token is missing or wrong
    for data in ({"decision": "approve"}, {"decision": "approve", "csrf_token": "forged"}):
        response = client.post(f"/t/{token}/proofs/1/decision", data=data)
        assert response.status_code == 400
        assert response.mimetype == "text/html"
    # A fresh client (another site's form) has no session at all.
    stranger = app.test_client().post(f"/t/{token}/proofs/1/decision",
                                      data={"decision": "approve", "csrf_token": "x"})
    assert stranger.status_code == 400
    order = api.get(f"/api/v1/orders/{cake['id']}").get_json()
    assert order["status"] == "awaiting_design"


def test_feedback_only_after_delivery(app, api):
    client = app.test_client()
    order = confirmed_sofa(api)
    token = order["tracking_token"]
    html = _page(client, token, lang="en")
    assert 'id="feedback"' not in html
    with client.session_transaction() as session:  # no form on the page yet: forge the post
        csrf = session["csrf"]
    early = client.post(f"/t/{token}/feedback?lang=en",
                        data={"csrf_token": csrf, "rating": "5"}, follow_redirects=True)
    assert "Feedback opens once your order is delivered." in early.get_data(as_text=True)
    for step in ("start-production", "ready", "deliver"):
        moved = api.post(f"/api/v1/orders/{order['id']}/{step}", json={})
        assert moved.status_code == 200, moved.get_json()
    pay_due(api, order["id"])
    html = _page(client, token, lang="en")
    assert 'id="feedback"' in html and 'for="rating-5"' in html and 'for="feedback-photo"' in html
    assert "Delivered on" in html
    photo = (io.BytesIO(b"\xff\xd8\xff\xe0" + b"\0" * 40), "sofa.jpg", "image/jpeg")
    sent = client.post(f"/t/{token}/feedback?lang=en", content_type="multipart/form-data",
                       data={"csrf_token": _csrf(html), "rating": "4", "comment": "Lovely",
                             "photo": photo}, follow_redirects=True)
    assert "Thank you for your feedback." in sent.get_data(as_text=True)
    events = [e["type"] for e in api.get(f"/api/v1/orders/{order['id']}/events").get_json()]
    assert "feedback_received" in events
    again = client.post(f"/t/{token}/feedback?lang=en",
                        data={"csrf_token": _csrf(html), "rating": "3"}, follow_redirects=True)
    assert "already left feedback" in again.get_data(as_text=True)


def test_invalid_or_revoked_token_is_a_friendly_404(app, api, cake):
    client = app.test_client()
    missing = client.get("/t/not-a-token", headers={"Accept-Language": "ru"})
    assert missing.status_code == 404 and missing.mimetype == "text/html"
    assert "Ссылка не найдена" in missing.get_data(as_text=True)
    api.delete(f"/api/v1/orders/{cake['id']}/tracking-token")
    revoked = client.get(f"/t/{cake['tracking_token']}?lang=en")
    assert revoked.status_code == 404 and "Link not found" in revoked.get_data(as_text=True)
    post = client.post(f"/t/{cake['tracking_token']}/proofs/1/decision", data={})
    assert post.status_code == 400  # the CSRF check comes first, before the token is looked up


def test_short_links_to_the_pdfs_and_attachments(app, cake):
    client = app.test_client()
    token = cake["tracking_token"]
    pdf = client.get(f"/t/{token}/timeline.pdf")
    assert pdf.status_code == 302
    assert pdf.headers["Location"].endswith(f"/api/v1/track/{token}/timeline.pdf")
    image = client.get(f"/t/{token}/files/{cake['mockup']}")
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert client.get(f"/t/{token}/files/{cake['mockup'] + 1000}").status_code == 404


def test_the_pages_are_not_in_the_api_spec(app):
    paths = app.test_client().get("/api/openapi.json").get_json()["paths"]
    assert not [p for p in paths if p.startswith("/t/")]
