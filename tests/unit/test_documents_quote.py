"""The quote: price breakdown, payment plan, lead time, terms and validity."""

from __future__ import annotations

from dataclasses import replace

import pytest

from mcbackend.documents.quote import render_quote
from mcbackend.documents.views import PaymentStage, PriceLine
from mcbackend.domain.money import Money
from tests.unit.document_checks import page_texts
from tests.unit.document_factories import branding, quote


def test_quote_shows_breakdown_total_payment_plan_and_validity() -> None:
    texts = page_texts(render_quote(quote(), branding("Letter")))
    assert len(texts) == 1
    text = texts[0]
    for expected in (
        "Q-2025-0317",
        "Анна Ковальская",
        "Harbour corner sofa, base",
        "EUR 2,890.00",
        "Rush production",
        "Extra proof round",
        "Subtotal",
        "EUR 3,799.00",
        "VAT 19 %",
        "EUR 4,520.81",
        "Deposit",
        "EUR 1,350.00",
        "EUR 1,820.81",
        "21 days from the start of production; estimated delivery 14 Mar 2025",
        "4 Mar 2025",
        "Page 1 of 1",
    ):
        assert expected in text, expected
    assert "non-returnable" in text


def test_quote_without_tax_has_no_subtotal_and_keeps_the_currency_digits() -> None:
    yen = quote()
    yen = replace(
        yen,
        price_lines=(PriceLine("Kimono, made to measure", Money(1_280_000, "JPY")),),
        tax_lines=(),
        payment_plan=(PaymentStage("Full payment", Money(1_280_000, "JPY"), "On order"),),
    )
    text = page_texts(render_quote(yen, branding()))[0]
    assert "Subtotal" not in text
    assert "JPY 1,280,000" in text


def test_payment_plan_must_add_up_to_the_total() -> None:
    with pytest.raises(ValueError, match="payment plan adds up to"):
        replace(quote(), payment_plan=(PaymentStage("Deposit", Money(100, "EUR"), "On order"),))


def test_mixed_currencies_are_refused() -> None:
    lines = (PriceLine("Base", Money(100, "EUR")), PriceLine("Delivery", Money(100, "USD")))
    with pytest.raises(ValueError, match="currency mismatch"):
        replace(quote(), price_lines=lines, payment_plan=())


def test_same_quote_gives_identical_bytes() -> None:
    assert render_quote(quote(), branding()) == render_quote(quote(), branding())
