"""Customer e-mails end to end: a real SMTP server (aiosmtpd) receives what the dispatcher
sends for an order's life, in the customer's language; the feedback request waits its delay."""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import Message

import pytest
from aiosmtpd.controller import Controller

from mcbackend.adapters.mailer import SmtpSettings
from mcbackend.services.outbox_dispatch import dispatch
from tests.e2e.orders_helpers import ADDRESS, completed, pay_due, product_ids
from tests.e2e.webhook_helpers import free_port, settings


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, SmtpSettings(host="127.0.0.1", port=controller.port, sender="shop@atelier.test")
    controller.stop()


def _factory(app):
    return app.extensions["mcbackend.db"].session_factory


def _order(api, contact: str, language: str) -> dict:
    sofa = product_ids(api)["SOFA-SECTIONAL"]
    config = completed(api, sofa, {"layout": "l_shape", "chaise_left": True})
    customer = {"name": "Ivan Petrov", "contact": contact, "language": language}
    order = api.post("/api/v1/orders", json={
        "mode": "pre", "customer": customer, "delivery_address": ADDRESS,
        "lines": [{"product_id": sofa, "configuration": config}]}).get_json()
    pay_due(api, order["id"])
    for step in ("confirm", "start-production", "ready"):
        assert api.post(f"/api/v1/orders/{order['id']}/{step}", json={}).status_code == 200
    shipped = api.post(f"/api/v1/orders/{order['id']}/ship", json={"tracking": "DHL 0042"})
    assert shipped.status_code == 200, shipped.get_json()
    return order


def _text(message: Message) -> str:
    return message.get_body(("plain",)).get_content()


def test_a_russian_customer_gets_russian_e_mails_for_shipping_and_delivery(app, api, smtp):
    inbox, smtp_settings = smtp
    order = _order(api, "ivan@example.ru", "ru-RU")
    mail = settings(smtp=smtp_settings, delays_h={"NOTIFY_FEEDBACK_REQUEST_H": 24.0})
    report = dispatch(_factory(app), mail)
    assert report.emails_failed == 0 and report.emails_sent == len(inbox.messages) >= 1
    shipped = next(m for m in inbox.messages if "отправлен" in m["Subject"])
    assert shipped["To"] == "ivan@example.ru" and "shop@atelier.test" in shipped["From"]
    assert shipped["Content-Language"] == "ru"
    body = _text(shipped)
    assert order["reference"] in body and "DHL 0042" in body and "Здравствуйте" in body
    assert any(p.get_content_type() == "text/html" for p in shipped.walk())

    assert api.post(f"/api/v1/orders/{order['id']}/deliver", json={}).status_code == 200
    before = len(inbox.messages)
    now = datetime.now(UTC)
    dispatch(_factory(app), mail, now)
    subjects = [m["Subject"] for m in inbox.messages[before:]]
    # Delivered (and the final payment) now; the feedback request waits a day.
    assert any("доставлен" in s for s in subjects) and not any("Как вам" in s for s in subjects)
    before = len(inbox.messages)
    dispatch(_factory(app), mail, now + timedelta(hours=25))
    assert [m["Subject"] for m in inbox.messages[before:]] == [
        f"Как вам заказ {order['reference']}?"]

    log = api.get(f"/api/v1/notifications?order_id={order['id']}").get_json()
    assert {n["template"] for n in log} >= {"shipped", "delivered", "feedback_request"}
    assert all(n["status"] == "sent" and n["language"] == "ru" for n in log)
    assert dispatch(_factory(app), mail, now + timedelta(days=30)).emails_sent == 0


def test_unknown_languages_fall_back_to_english_and_phones_are_skipped(app, api, smtp):
    inbox, smtp_settings = smtp
    _order(api, "erik@example.se", "sv")
    phone = _order(api, "+49 170 1234567", "de")
    dispatch(_factory(app), settings(smtp=smtp_settings))
    assert inbox.messages and all(m["To"] == "erik@example.se" for m in inbox.messages)
    assert any("is on its way" in m["Subject"] for m in inbox.messages)
    skipped = api.get(f"/api/v1/notifications?order_id={phone['id']}").get_json()
    assert skipped and {n["status"] for n in skipped} == {"skipped"}
    assert "not an e-mail address" in skipped[0]["last_error"]


def test_without_smtp_e_mails_are_logged_as_skipped(app, api):
    order = _order(api, "anna@example.com", "de")
    dispatch(_factory(app), settings())
    log = api.get(f"/api/v1/notifications?order_id={order['id']}&status=skipped").get_json()
    assert log and all(n["last_error"] == "SMTP is not configured" for n in log)


def test_an_unreachable_smtp_server_is_retried(app, api, smtp):
    inbox, smtp_settings = smtp
    order = _order(api, "anna@example.com", "de")
    down = SmtpSettings(host="127.0.0.1", port=free_port(), sender="shop@atelier.test")
    t0 = datetime.now(UTC)
    assert dispatch(_factory(app), settings(smtp=down), t0).emails_failed >= 1
    failed = api.get(f"/api/v1/notifications?order_id={order['id']}&status=failed").get_json()
    assert failed and failed[0]["attempts"] == 1
    later = dispatch(_factory(app), settings(smtp=smtp_settings), t0 + timedelta(seconds=6))
    assert later.emails_sent == len(failed) == len(inbox.messages)
    assert "unterwegs" in " ".join(m["Subject"] for m in inbox.messages)
