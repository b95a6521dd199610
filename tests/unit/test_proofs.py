from datetime import UTC, datetime

import pytest

from mcbackend.domain.errors import BusinessRuleViolation, Conflict, NotFound
from mcbackend.domain.money import Money
from mcbackend.domain.proofs import Design, DesignBrief, ProofStatus, RevisionPolicy

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
EUR = Money(5000, "EUR")


def design(included: int = 2, extra: int = 2500) -> Design:
    return Design(DesignBrief("spring bouquet, pastel", ("sketch.pdf",), ("ref-12",)),
                  RevisionPolicy(included, Money(extra, "EUR")))


def issue(d: Design, colour: str = "pink"):
    return d.issue({"colour": colour}, ("mockup.png",), EUR, NOW)


def test_proofs_are_numbered_and_a_new_one_supersedes_the_open_one():
    d = design()
    first, second = issue(d), issue(d, "white")
    assert (first.number, second.number) == (1, 2)
    assert first.status is ProofStatus.SUPERSEDED
    assert d.current is second and second.status is ProofStatus.OPEN


def test_the_configuration_is_a_snapshot():
    d = design()
    configuration = {"colour": "pink"}
    proof = d.issue(configuration, (), EUR, NOW)
    configuration["colour"] = "red"
    assert proof.configuration == {"colour": "pink"}


def test_approving_twice_is_a_conflict():
    d = design()
    issue(d)
    d.approve(1, NOW)
    with pytest.raises(Conflict) as caught:
        d.approve(1, NOW)
    assert caught.value.code == "proof_already_decided"
    assert caught.value.extra["status"] == "approved"


def test_approving_a_superseded_proof_names_the_current_one():
    d = design()
    issue(d)
    issue(d)
    with pytest.raises(Conflict) as caught:
        d.approve(1, NOW)
    assert caught.value.code == "proof_superseded"
    assert caught.value.extra["current_proof"] == 2
    assert d.approved is None


def test_requesting_changes_needs_a_comment_and_closes_the_round():
    d = design()
    issue(d)
    with pytest.raises(BusinessRuleViolation) as caught:
        d.request_changes(1, "  ", NOW)
    assert caught.value.code == "comment_required"
    proof = d.request_changes(1, "more green", NOW)
    assert (proof.status, proof.comment, proof.decided_at) == (
        ProofStatus.CHANGES_REQUESTED, "more green", NOW)
    with pytest.raises(Conflict) as again:
        d.approve(1, NOW)
    assert again.value.code == "proof_already_decided"
    assert issue(d).status is ProofStatus.OPEN  # a decided proof is not superseded
    assert proof.status is ProofStatus.CHANGES_REQUESTED


def test_unknown_proof_is_not_found():
    with pytest.raises(NotFound) as caught:
        design().approve(1, NOW)
    assert caught.value.code == "proof_not_found"


def test_rounds_beyond_the_included_ones_cost_the_extra_round_price():
    d = design(included=2, extra=2500)
    fees = [issue(d).fee for _ in range(4)]
    assert fees == [Money(0, "EUR"), Money(0, "EUR"), Money(2500, "EUR"), Money(2500, "EUR")]
    assert d.extra_round_fees == Money(5000, "EUR")
    assert RevisionPolicy(0, Money(900, "EUR")).fee_for_round(1) == Money(900, "EUR")


def test_no_proof_after_approval_until_the_design_is_reopened():
    d = design()
    issue(d)
    d.approve(1, NOW)
    with pytest.raises(Conflict) as caught:
        issue(d)
    assert caught.value.code == "design_already_approved"
    assert d.reopen().number == 1
    assert d.approved is None and d.proofs[0].status is ProofStatus.REOPENED
    assert issue(d).number == 2
    with pytest.raises(Conflict) as again:
        d.reopen()
    assert again.value.code == "design_not_approved"
