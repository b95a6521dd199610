"""Pure parts of webhooks and e-mails: target policy, backoff, event matching, templates."""

from datetime import timedelta

import pytest
from standardwebhooks import Webhook

from mcbackend import notifications
from mcbackend.domain.errors import BusinessRuleViolation, InvalidInput
from mcbackend.domain.webhooks import (
    RETRY_SCHEDULE_S,
    TargetPolicy,
    generate_secret,
    parse_networks,
    parse_target,
    retry_delay,
    wants,
)

LOCAL = TargetPolicy(parse_networks(["127.0.0.0/8", "10.0.0.0/8"]))


def test_backoff_follows_the_schedule_then_gives_up():
    delays = [retry_delay(n, random=lambda: 0.5) for n in range(1, len(RETRY_SCHEDULE_S) + 2)]
    assert delays[:3] == [timedelta(seconds=5), timedelta(seconds=30), timedelta(minutes=2)]
    assert delays[-2] == timedelta(hours=12) and delays[-1] is None
    assert sum(delays[:-1], timedelta()) < timedelta(hours=24)


def test_jitter_stays_within_its_fraction():
    assert retry_delay(1, random=lambda: 0.0) == timedelta(seconds=4)
    assert retry_delay(1, random=lambda: 0.999999) < timedelta(seconds=6)
    assert retry_delay(2, schedule=(1, 2), jitter=0) == timedelta(seconds=2)


def test_targets_public_https_or_explicitly_allowed_networks():
    assert parse_target("https://erp.example.com/hooks?x=1", TargetPolicy()).path == "/hooks?x=1"
    assert parse_target("http://127.0.0.1:8080/h", LOCAL).port == 8080
    assert parse_target("http://10.2.3.4/h", LOCAL).host == "10.2.3.4"
    for url in ("https://192.168.1.1/", "https://[::1]/", "https://169.254.169.254/",
                "http://erp.example.com/", "http://localhost/"):
        with pytest.raises(BusinessRuleViolation):
            parse_target(url, TargetPolicy())
    for url in ("erp.example.com/hooks", "https://", "https://a:b@example.com/",
                "https://example.com:99999/", "https://example.com/#frag"):
        with pytest.raises(InvalidInput):
            parse_target(url, TargetPolicy())


def test_secrets_are_standard_webhooks_secrets():
    secret = generate_secret()
    assert secret.startswith("whsec_") and secret != generate_secret()
    Webhook(secret)  # parses


def test_an_endpoint_without_event_types_wants_everything():
    assert wants([], "order.created") and wants(["order.shipped"], "order.shipped")
    assert not wants(["order.shipped"], "order.created")


def test_language_falls_back_to_english():
    assert notifications.pick_language("ru-RU") == "ru"
    assert notifications.pick_language("de_AT") == "de"
    assert notifications.pick_language("sv") == "en" and notifications.pick_language(None) == "en"


@pytest.mark.parametrize("language", notifications.LANGUAGES)
@pytest.mark.parametrize("template", notifications.TEMPLATES)
def test_every_template_renders_in_every_language(template, language):
    rendered = notifications.render(template, language, {
        "customer_name": "Ivan <b>", "reference": "AN-1", "tenant_name": "Atelier",
        "data": {"proof": 2, "price": {"amount": 123456, "currency": "EUR"},
                 "amount": {"amount": 5000, "currency": "EUR"}, "percent": "50",
                 "eta": "2026-12-01T10:00:00+00:00", "promised_date": "2026-11-28",
                 "tracking": "DHL 1"}})
    assert "AN-1" in rendered.subject and "AN-1" in rendered.text
    assert "Ivan <b>" in rendered.text and "Ivan &lt;b&gt;" in rendered.html
    assert f'lang="{language}"' in rendered.html
