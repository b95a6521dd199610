from datetime import UTC, date, datetime

import pytest

from mcbackend.domain.changes import (
    ChangeRequest,
    ImpactAction,
    OperationState,
    OperationStatus,
    preview_change,
)
from mcbackend.domain.errors import BusinessRuleViolation
from mcbackend.domain.money import Money
from mcbackend.domain.proofs import Design, DesignBrief, RevisionPolicy

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def eur(amount: int) -> Money:
    return Money(amount, "EUR")


OPERATIONS = [
    OperationState("frame", OperationStatus.DONE, eur(12000)),
    OperationState("upholstery", OperationStatus.STARTED, eur(8000)),
    OperationState("fabric_cut", OperationStatus.NOT_STARTED, eur(3000), cut_off=True),
    OperationState("packing", OperationStatus.NOT_STARTED, eur(500)),
]


def preview(change: ChangeRequest, operations=OPERATIONS, **kwargs):
    args = {"order_version": 7, "change": change, "current_price": eur(150000),
            "new_price": eur(162000), "earliest_date": date(2025, 4, 10),
            "operations": operations} | kwargs
    return preview_change(**args)


def test_preview_prices_the_difference_and_costs_the_touched_work():
    result = preview(ChangeRequest(line=0, configuration={"fabric": "velvet"}),
                     affected={"frame", "upholstery", "fabric_cut"})
    assert result.price_difference == eur(12000)
    assert [(i.name, i.action, i.cost) for i in result.operations] == [
        ("frame", ImpactAction.REDO, eur(12000)),
        ("upholstery", ImpactAction.SCRAP, eur(8000)),
        ("fabric_cut", ImpactAction.REPLAN, eur(0)),
    ]
    assert result.rework_cost == eur(20000)
    assert result.based_on_version == 7
    body = result.to_dict()
    assert body["price_difference"] == {"amount": 12000, "currency": "EUR"}
    assert body["earliest_date"] == "2025-04-10" and body["proofs_reopened"] == []


def test_without_a_narrowed_set_every_operation_is_touched():
    result = preview(ChangeRequest(line=0, quantity=2))
    assert [i.name for i in result.operations] == [op.name for op in OPERATIONS]


def test_a_date_only_change_touches_no_work_even_after_the_cut_off():
    cut = [OperationState("fabric_cut", OperationStatus.DONE, eur(3000), cut_off=True)]
    result = preview(ChangeRequest(line=0, requested_date=date(2025, 5, 1)), operations=cut,
                     new_price=eur(150000))
    assert result.operations == () and result.price_difference == eur(0)


@pytest.mark.parametrize("status", [OperationStatus.STARTED, OperationStatus.DONE])
def test_a_change_after_the_cut_off_started_is_refused_naming_it(status):
    operations = [*OPERATIONS[:2],
                  OperationState("fabric_cut", status, eur(3000), cut_off=True)]
    with pytest.raises(BusinessRuleViolation) as caught:
        preview(ChangeRequest(line=0, configuration={"fabric": "velvet"}), operations)
    assert caught.value.code == "past_cut_off"
    assert caught.value.extra == {"operation": "fabric_cut", "status": status.value}
    assert "fabric_cut" in caught.value.detail


def test_approved_proofs_reopen_when_the_configuration_changes():
    design = Design(DesignBrief("cake"), RevisionPolicy(1, eur(1000)))
    design.issue({"tiers": 2}, (), eur(9000), NOW)
    design.approve(1, NOW)
    assert preview(ChangeRequest(line=0, configuration={"tiers": 3}),
                   design=design).proofs_reopened == (1,)
    assert preview(ChangeRequest(line=0, quantity=2), design=design).proofs_reopened == ()


def test_every_problem_with_the_request_is_reported_at_once():
    with pytest.raises(BusinessRuleViolation) as caught:
        preview(ChangeRequest(line=0), new_price=Money(-1, "USD"), affected={"gilding"})
    assert caught.value.code == "invalid_change"
    assert {(p.field, p.code) for p in caught.value.errors} == {
        ("change", "empty_change"), ("new_price", "wrong_currency"),
        ("new_price", "invalid_range"), ("affected", "unknown_operation")}
    with pytest.raises(BusinessRuleViolation) as zero:
        preview(ChangeRequest(line=0, quantity=0))
    assert [p.code for p in zero.value.errors] == ["invalid_range"]
