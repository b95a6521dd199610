from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mcbackend.domain.bespoke import BespokeBrief, Measurement
from mcbackend.domain.changes import (
    ChangeRequest,
    OperationState,
    OperationStatus,
    preview_change,
)
from mcbackend.domain.errors import BusinessRuleViolation, Conflict, MCError
from mcbackend.domain.money import Money
from mcbackend.domain.orders import (
    TRANSITIONS,
    Address,
    Customer,
    Mode,
    Order,
    OrderLine,
    OrderStatus,
    Visibility,
    check_version,
)
from mcbackend.domain.proofs import DesignBrief, ProofStatus, RevisionPolicy

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
S = OrderStatus
BRIEF = BespokeBrief("three-piece suit, navy", (Measurement("chest", Decimal(102)),))


def eur(amount: int) -> Money:
    return Money(amount, "EUR")


def place(mode: Mode = Mode.PRE, *, price: Money | None = None, deposit: int | None = None,
          **kwargs) -> Order:
    line = OrderLine("sofa@3", {"layout": "L", "legs": "oak"}, 1,
                     price if price is not None or mode is not Mode.PRE else eur(150000))
    args = {
        "reference": "A-1001", "mode": mode,
        "customer": Customer("Ada Lovelace", "ada@example.org", "en-GB"),
        "lines": [line],
        "delivery_address": Address("Ada Lovelace", "1 Analytical St", "N1 9GU", "London",
                                    "GB"),
        "currency": "EUR", "now": NOW, "actor": "shop",
        "deposit_required": eur(deposit) if deposit is not None else None,
        "target_serial": "SOFA-0001" if mode is Mode.POST else None,
        "brief": BRIEF if mode is Mode.BESPOKE else None,
    } | kwargs
    return Order.place(**args)


def confirmed(**kwargs) -> Order:
    order = place(**kwargs)
    order.confirm(eur(0), NOW, "shop")
    return order


def co_order() -> Order:
    order = place(Mode.CO)
    order.open_design(DesignBrief("pastel bouquet"), RevisionPolicy(2, eur(1500)), NOW, "shop")
    return order


# --- placing -------------------------------------------------------------------------------


def test_placing_starts_the_timeline_in_draft():
    order = place()
    assert order.status is S.DRAFT and order.version == 1
    assert [e.type for e in order.events] == ["order_placed"]
    assert order.events[0].visibility is Visibility.CUSTOMER
    assert order.total == eur(150000)


def test_placing_reports_every_problem():
    with pytest.raises(BusinessRuleViolation) as caught:
        place(Mode.PRE, lines=[OrderLine("sofa@3", {}, 0, None),
                               OrderLine("sofa@3", {}, 1, Money(100, "USD"))],
              rush=True, target_serial="X-1")
    assert caught.value.code == "invalid_order"
    assert {(p.field, p.code) for p in caught.value.errors} == {
        ("lines[0].quantity", "invalid_range"), ("lines[0].price", "required"),
        ("lines[1].price", "wrong_currency"), ("target_serial", "not_allowed"),
        ("requested_date", "required")}


def test_post_orders_target_a_unit_bespoke_ones_need_a_brief_and_co_ones_one_line():
    with pytest.raises(BusinessRuleViolation) as post:
        place(Mode.POST, target_serial=None, brief=BRIEF)
    assert [(p.field, p.code) for p in post.value.errors] == [
        ("target_serial", "required"), ("brief", "not_allowed")]
    with pytest.raises(BusinessRuleViolation) as bespoke:
        place(Mode.BESPOKE, brief=BespokeBrief(" "))
    assert [p.field for p in bespoke.value.errors] == ["brief"]
    with pytest.raises(BusinessRuleViolation) as co:
        place(Mode.CO, lines=[OrderLine("cake@1", {}, 1, None)] * 2)
    assert [p.code for p in co.value.errors] == ["too_many"]


# --- the state machine ---------------------------------------------------------------------


def test_pre_order_runs_the_main_line_and_each_step_is_on_the_timeline():
    order = confirmed()
    order.start_production(NOW, "floor")
    order.mark_ready(NOW, "floor")
    order.ship(NOW, "dispatch", tracking="1Z999")
    order.deliver(NOW, "carrier")
    assert order.status is S.DELIVERED and order.allowed_next == ()
    assert [e.type for e in order.events] == [
        "order_placed", "confirmed", "production_started", "ready", "shipped", "delivered"]
    assert order.events[4].data == {"from": "ready", "to": "shipped", "tracking": "1Z999"}
    assert order.version == 6


def test_an_illegal_transition_is_a_conflict_listing_the_allowed_next_statuses():
    order = place()
    with pytest.raises(Conflict) as caught:
        order.ship(NOW, "dispatch")
    assert caught.value.code == "illegal_transition"
    assert caught.value.extra == {"status": "draft", "requested": "shipped",
                                  "allowed": ["confirmed", "cancelled"]}
    assert order.version == 1 and len(order.events) == 1


def test_a_co_order_cannot_be_confirmed_before_its_design_is_approved():
    order = co_order()
    with pytest.raises(Conflict) as caught:
        order.confirm(eur(0), NOW, "shop")
    assert caught.value.extra["allowed"] == ["design_approved", "cancelled"]


def test_delivered_and_cancelled_are_final():
    for status in (S.DELIVERED, S.CANCELLED):
        assert all(TRANSITIONS[mode][status] == () for mode in Mode)


def test_the_table_only_names_statuses_it_defines():
    for table in TRANSITIONS.values():
        assert S.DRAFT in table
        for targets in table.values():
            assert set(targets) <= set(table)


# --- confirmation and the deposit ----------------------------------------------------------


def test_confirming_without_the_required_deposit_says_what_is_missing():
    order = place(deposit=45000)
    with pytest.raises(BusinessRuleViolation) as caught:
        order.confirm(eur(20000), NOW, "shop")
    assert caught.value.code == "deposit_required"
    assert caught.value.extra["missing"] == {"amount": 25000, "currency": "EUR"}
    assert order.status is S.DRAFT
    order.confirm(eur(45000), NOW, "shop")
    assert order.status is S.CONFIRMED


def test_a_bespoke_order_is_confirmed_only_once_the_planner_priced_it():
    order = place(Mode.BESPOKE)
    with pytest.raises(BusinessRuleViolation) as caught:
        order.confirm(eur(0), NOW, "shop")
    assert caught.value.code == "unpriced_lines"
    with pytest.raises(BusinessRuleViolation) as bad:
        order.price_line(0, eur(0), NOW, "planner")
    assert bad.value.code == "invalid_price"
    order.price_line(0, eur(240000), NOW, "planner")
    order.confirm(eur(0), NOW, "shop")
    assert order.total == eur(240000)
    with pytest.raises(Conflict) as late:
        order.price_line(0, eur(1), NOW, "planner")
    assert late.value.code == "not_in_draft"


# --- cancelling ----------------------------------------------------------------------------


def test_cancelling_before_production_is_free():
    order = confirmed()
    order.cancel("", None, NOW, "customer")
    assert order.status is S.CANCELLED
    assert order.cancellation.cost == eur(0)


def test_cancelling_after_production_started_needs_a_reason_and_a_cost():
    order = confirmed()
    order.start_production(NOW, "floor")
    with pytest.raises(BusinessRuleViolation) as caught:
        order.cancel(" ", None, NOW, "customer")
    assert caught.value.code == "cancellation_terms_required"
    assert [p.field for p in caught.value.errors] == ["reason", "cost"]
    order.cancel("customer moved abroad", eur(30000), NOW, "planner")
    assert order.cancellation.reason == "customer moved abroad"
    assert order.events[-1].data["cost"] == {"amount": 30000, "currency": "EUR"}


def test_a_shipped_order_cannot_be_cancelled():
    order = confirmed()
    for step in (order.start_production, order.mark_ready, order.ship):
        step(NOW, "floor")
    with pytest.raises(Conflict) as caught:
        order.cancel("late", eur(0), NOW, "customer")
    assert caught.value.extra["allowed"] == ["delivered"]


# --- co-design through the order -----------------------------------------------------------


def test_approving_a_proof_adopts_its_configuration_and_price():
    order = co_order()
    order.issue_proof({"flowers": "peony"}, ("p1.png",), eur(8000), NOW, "designer")
    order.request_proof_changes(1, "more white", NOW, "customer")
    order.issue_proof({"flowers": "rose"}, ("p2.png",), eur(9000), NOW, "designer")
    order.approve_proof(2, NOW, "customer")
    assert order.status is S.DESIGN_APPROVED
    assert (order.lines[0].configuration, order.total) == ({"flowers": "rose"}, eur(9000))
    assert [e.type for e in order.events][-4:] == [
        "proof_issued", "proof_changes_requested", "proof_issued", "proof_approved"]
    with pytest.raises(Conflict) as twice:
        order.approve_proof(2, NOW, "customer")
    assert twice.value.code == "proof_already_decided"


def test_proofs_stop_once_the_order_is_ready():
    order = co_order()
    order.issue_proof({"flowers": "rose"}, (), eur(9000), NOW, "designer")
    order.approve_proof(1, NOW, "customer")
    order.confirm(eur(0), NOW, "shop")
    for step in (order.start_production, order.mark_ready):
        step(NOW, "floor")
    with pytest.raises(Conflict) as caught:
        order.approve_proof(1, NOW, "customer")
    assert (caught.value.code, caught.value.extra) == ("design_closed", {"status": "ready"})


def test_a_non_co_order_has_no_design_phase():
    with pytest.raises(Conflict) as caught:
        place().issue_proof({}, (), eur(1), NOW, "designer")
    assert caught.value.code == "no_design_phase"
    with pytest.raises(Conflict) as opening:
        place().open_design(DesignBrief("x"), RevisionPolicy(1, eur(0)), NOW, "shop")
    assert opening.value.code == "illegal_transition"


# --- versions and change orders ------------------------------------------------------------


def test_a_stale_version_is_a_conflict():
    order = place()
    read_version = order.version
    order.confirm(eur(0), NOW, "clerk-a")  # another clerk's write lands first
    with pytest.raises(Conflict) as caught:
        order.check_version(read_version)
    assert caught.value.code == "stale_version"
    assert caught.value.extra == {"expected_version": 1, "current_version": 2}
    check_version(2, 2)


def change_preview(order: Order, change: ChangeRequest, **kwargs):
    operations = [OperationState("cut", OperationStatus.NOT_STARTED, eur(3000), cut_off=True)]
    return preview_change(order_version=order.version, change=change,
                          current_price=order.lines[0].price, new_price=eur(162000),
                          earliest_date=date(2025, 4, 10), operations=operations,
                          design=order.design, **kwargs)


def test_accepting_a_change_applies_it_and_appends_the_preview():
    order = confirmed()
    change = ChangeRequest(line=0, configuration={"layout": "U"}, quantity=2,
                           requested_date=date(2025, 4, 20))
    preview = change_preview(order, change)
    order.accept_change(change, preview, NOW, "customer")
    assert order.lines[0].configuration == {"layout": "U"} and order.lines[0].quantity == 2
    assert order.total == eur(162000) and order.requested_date == date(2025, 4, 20)
    assert order.events[-1].type == "change_accepted"
    assert order.events[-1].data["price_difference"] == {"amount": 12000, "currency": "EUR"}


def test_a_preview_made_on_an_older_version_cannot_be_accepted():
    order = confirmed()
    change = ChangeRequest(line=0, quantity=2)
    preview = change_preview(order, change)
    order.record("payment_recorded", NOW, "cashier")
    with pytest.raises(Conflict) as caught:
        order.accept_change(change, preview, NOW, "customer")
    assert caught.value.code == "stale_version"
    assert order.lines[0].quantity == 1


def test_a_preview_of_another_line_cannot_be_accepted():
    order = confirmed()
    preview = change_preview(order, ChangeRequest(line=0, quantity=2))
    with pytest.raises(BusinessRuleViolation) as caught:
        order.accept_change(ChangeRequest(line=1, quantity=2), preview, NOW, "customer")
    assert caught.value.code == "preview_mismatch"


def test_draft_orders_take_no_change_orders():
    order = place()
    change = ChangeRequest(line=0, quantity=2)
    with pytest.raises(Conflict) as caught:
        order.accept_change(change, change_preview(order, change), NOW, "customer")
    assert caught.value.code == "not_changeable"


def test_a_configuration_change_reopens_the_approved_design():
    order = co_order()
    order.issue_proof({"flowers": "rose"}, (), eur(150000), NOW, "designer")
    order.approve_proof(1, NOW, "customer")
    order.confirm(eur(0), NOW, "shop")
    order.start_production(NOW, "floor")
    change = ChangeRequest(line=0, configuration={"flowers": "tulip"})
    preview = change_preview(order, change)
    order.accept_change(change, preview, NOW, "customer")
    assert preview.proofs_reopened == (1,) and order.design.approved is None
    assert order.design.proofs[0].status is ProofStatus.REOPENED
    order.issue_proof({"flowers": "tulip"}, (), eur(162000), NOW, "designer")
    order.approve_proof(2, NOW, "customer")
    assert order.status is S.IN_PRODUCTION and order.design.approved.number == 2


def test_the_customer_timeline_hides_internal_events():
    order = place()
    order.record("note", NOW, "planner", data={"text": "call first"})
    assert [e.type for e in order.timeline(Visibility.CUSTOMER)] == ["order_placed"]
    assert order.timeline()[-1].to_dict()["visibility"] == "internal"


# --- property: random commands never leave the table -----------------------------------------

COMMANDS = ["open_design", "issue", "approve", "changes", "confirm", "start", "ready", "ship",
            "deliver", "cancel", "cancel_with_terms"]


def run(order: Order, command: str, now: datetime) -> None:
    proof = order.design.current.number if order.design and order.design.current else 1
    actions = {
        "open_design": lambda: order.open_design(DesignBrief("x"), RevisionPolicy(1, eur(500)),
                                                 now, "a"),
        "issue": lambda: order.issue_proof({"v": 1}, (), eur(1000), now, "a"),
        "approve": lambda: order.approve_proof(proof, now, "a"),
        "changes": lambda: order.request_proof_changes(proof, "again", now, "a"),
        "confirm": lambda: order.confirm(eur(0), now, "a"),
        "start": lambda: order.start_production(now, "a"),
        "ready": lambda: order.mark_ready(now, "a"),
        "ship": lambda: order.ship(now, "a"),
        "deliver": lambda: order.deliver(now, "a"),
        "cancel": lambda: order.cancel("", None, now, "a"),
        "cancel_with_terms": lambda: order.cancel("why", eur(10), now, "a"),
    }
    actions[command]()


@settings(max_examples=150, deadline=None)
@given(mode=st.sampled_from(list(Mode)),
       commands=st.lists(st.sampled_from(COMMANDS), max_size=25))
def test_random_commands_only_take_transitions_from_the_table(mode, commands):
    order = place(mode, price=eur(1000))
    table = TRANSITIONS[mode]
    for i, command in enumerate(commands):
        before, version, events = order.status, order.version, len(order.events)
        try:
            run(order, command, NOW + timedelta(minutes=i))
        except MCError:
            assert (order.status, order.version, len(order.events)) == (before, version, events)
            continue
        assert order.status in table
        assert order.status is before or order.status in table[before]
        assert order.version == version + 1 and len(order.events) == events + 1
