from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mcbackend.domain.catalog import Milestone, PaymentPlanPolicy
from mcbackend.domain.errors import BusinessRuleViolation
from mcbackend.domain.money import Money
from mcbackend.domain.payments import (
    InstallmentKind,
    Payment,
    PaymentLedger,
    PaymentSchedule,
)

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def eur(amount: int) -> Money:
    return Money(amount, "EUR")


def test_a_plan_splits_the_total_into_deposit_milestones_and_final():
    schedule = PaymentSchedule.build(eur(100000), 30, [("proof_approved", 20), ("shipped", 40)])
    assert [(i.kind, i.trigger, i.amount) for i in schedule.installments] == [
        (InstallmentKind.DEPOSIT, "order_placed", eur(30000)),
        (InstallmentKind.MILESTONE, "proof_approved", eur(20000)),
        (InstallmentKind.MILESTONE, "shipped", eur(40000)),
        (InstallmentKind.FINAL, "delivered", eur(10000)),
    ]
    assert schedule.deposit == eur(30000)
    assert schedule.installments[0].to_dict()["percent"] == "30"


def test_rounding_is_exact_in_minor_units():
    schedule = PaymentSchedule.build(eur(100), "33.33", [("shipped", "33.33")])
    # boundaries at 33.33 %, 66.66 % and 100 % of 100 round to 33, 67 and 100
    assert [i.amount.amount for i in schedule.installments] == [33, 34, 33]
    yen = PaymentSchedule.build(Money(1001, "JPY"), 50)
    assert [i.amount for i in yen.installments] == [Money(501, "JPY"), Money(500, "JPY")]


@given(total=st.integers(min_value=0, max_value=10**10),
       percents=st.lists(st.decimals(min_value=0, max_value=100, places=2), max_size=4))
def test_installments_always_sum_to_the_total(total, percents):
    # Scale the shares so deposit + milestones stay within 100 %.
    scale = max(Decimal(1), sum(percents, Decimal(0)) / 100)
    shares = [(p / scale).quantize(Decimal("0.01"), rounding="ROUND_DOWN") for p in percents]
    deposit, milestones = (shares[0], shares[1:]) if shares else (Decimal(0), [])
    schedule = PaymentSchedule.build(eur(total), deposit,
                                     [("shipped", m) for m in milestones])
    assert sum(i.amount.amount for i in schedule.installments) == total
    assert all(i.amount.amount >= 0 for i in schedule.installments)


def test_a_full_deposit_leaves_no_final_installment_and_policies_are_accepted():
    policy = PaymentPlanPolicy(100)
    assert [i.kind for i in PaymentSchedule.from_policy(eur(500), policy).installments] == [
        InstallmentKind.DEPOSIT]
    policy = PaymentPlanPolicy(50, (Milestone("production_started", 25),))
    assert PaymentSchedule.from_policy(eur(1000), policy).deposit == eur(500)


def test_an_invalid_plan_reports_every_problem():
    with pytest.raises(BusinessRuleViolation) as caught:
        PaymentSchedule.build(eur(-1), 120, [("invoiced", 10), ("shipped", "lots")])
    assert caught.value.code == "invalid_payment_plan"
    assert {(p.field, p.code) for p in caught.value.errors} == {
        ("total", "invalid_range"), ("deposit_percent", "invalid_range"),
        ("milestones[0].event", "unknown_event"), ("milestones[1].percent", "invalid_range")}
    with pytest.raises(BusinessRuleViolation) as over:
        PaymentSchedule.build(eur(100), 60, [("shipped", 50)])
    assert [(p.field, p.code) for p in over.value.errors] == [("milestones", "invalid_plan")]


def test_payments_reduce_the_balance_and_meet_the_deposit():
    ledger = PaymentLedger(PaymentSchedule.build(eur(100000), 30, [("shipped", 50)]))
    assert not ledger.deposit_met
    ledger.record(Payment(eur(20000), NOW, "card"))
    assert not ledger.deposit_met and ledger.balance == eur(80000)
    ledger.record(Payment(eur(10000), NOW, "bank_transfer", "TX-9"))
    assert ledger.deposit_met and ledger.paid == eur(30000)


def test_no_deposit_is_met_at_once():
    assert PaymentLedger(PaymentSchedule.build(eur(1000), 0)).deposit_met


def test_what_is_due_follows_the_order_events():
    schedule = PaymentSchedule.build(eur(100000), 30, [("shipped", 50)])
    ledger = PaymentLedger(schedule, [Payment(eur(30000), NOW, "card")])
    happened = {"order_placed", "confirmed", "production_started"}
    assert ledger.amount_due(happened) == eur(0)
    assert [i.trigger for i in schedule.falling_due("shipped", happened)] == ["shipped"]
    happened.add("shipped")
    assert ledger.amount_due(happened) == eur(50000)
    assert schedule.falling_due("shipped", happened) == []  # announced once
    assert ledger.amount_due(happened | {"delivered"}) == eur(70000)


def test_bad_payments_are_refused():
    ledger = PaymentLedger(PaymentSchedule.build(eur(1000), 100))
    for amount, code in ((Money(10, "USD"), "wrong_currency"), (eur(0), "invalid_range"),
                         (eur(1001), "overpayment")):
        with pytest.raises(BusinessRuleViolation) as caught:
            ledger.record(Payment(amount, NOW, "card"))
        assert caught.value.code == "invalid_payment"
        assert [p.code for p in caught.value.errors] == [code]
    assert ledger.payments == []


def test_a_repriced_order_keeps_its_plan_and_its_payments():
    ledger = PaymentLedger(PaymentSchedule.build(eur(100000), 30, [("shipped", 50)]),
                           [Payment(eur(30000), NOW, "card")])
    ledger.schedule = ledger.schedule.rescaled(eur(20000))
    assert [i.amount for i in ledger.schedule.installments] == [eur(6000), eur(10000),
                                                               eur(4000)]
    assert ledger.balance == eur(-10000)  # a refund is owed
