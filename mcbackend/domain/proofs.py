"""Co-design: a brief opens a design phase, the company issues proofs, the customer decides.

Proofs are numbered 1, 2, 3… in the order they are issued. Only the latest proof can be
decided: issuing a new one supersedes a proof still waiting for a decision. A product
includes a number of rounds; every proof beyond them costs the product's extra-round price,
which is returned with the proof so the caller can add it to the quote.

A change order on a confirmed order can reopen an approved design: the approved proof is
marked ``reopened`` and production operations that depend on the design wait again until
a new proof is approved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from mcbackend.domain.errors import BusinessRuleViolation, Conflict, FieldProblem, NotFound
from mcbackend.domain.money import Money


class ProofStatus(StrEnum):
    OPEN = "open"  # waiting for the customer
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"
    SUPERSEDED = "superseded"  # a newer proof was issued before the customer decided
    REOPENED = "reopened"  # approved, then reopened by an accepted change order


@dataclass(frozen=True)
class DesignBrief:
    text: str
    attachments: tuple[str, ...] = ()  # file references in storage
    references: tuple[str, ...] = ()  # links or catalogue items the customer points at


@dataclass(frozen=True)
class RevisionPolicy:
    """How many proof rounds the price includes and what each further round costs."""

    included: int
    extra_round_price: Money

    def fee_for_round(self, number: int) -> Money:
        if number <= self.included:
            return Money.zero(self.extra_round_price.currency)
        return self.extra_round_price


@dataclass
class Proof:
    number: int
    configuration: dict[str, Any]  # snapshot: later edits to the order do not change it
    attachments: tuple[str, ...]
    price: Money
    fee: Money  # extra-round fee charged for issuing this proof (zero within included rounds)
    issued_at: datetime
    status: ProofStatus = ProofStatus.OPEN
    comment: str = ""
    decided_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "configuration": self.configuration,
            "attachments": list(self.attachments),
            "price": self.price.to_dict(),
            "fee": self.fee.to_dict(),
            "issued_at": self.issued_at.isoformat(),
            "status": self.status.value,
            "comment": self.comment,
            "decided_at": self.decided_at.isoformat() if self.decided_at else None,
        }


@dataclass
class Design:
    """The design phase of one co-customization order: its brief and its proof rounds."""

    brief: DesignBrief
    policy: RevisionPolicy
    proofs: list[Proof] = field(default_factory=list)

    @property
    def current(self) -> Proof | None:
        return self.proofs[-1] if self.proofs else None

    @property
    def approved(self) -> Proof | None:
        """The approved proof production may follow, or None while the design is open."""
        current = self.current
        return current if current and current.status is ProofStatus.APPROVED else None

    @property
    def extra_round_fees(self) -> Money:
        total = Money.zero(self.policy.extra_round_price.currency)
        for proof in self.proofs:
            total += proof.fee
        return total

    def issue(
        self,
        configuration: dict[str, Any],
        attachments: tuple[str, ...],
        price: Money,
        now: datetime,
    ) -> Proof:
        if self.approved is not None:
            raise Conflict(
                f"proof {self.approved.number} is approved; reopen the design with a change "
                "order before issuing another proof",
                code="design_already_approved",
                extra={"approved_proof": self.approved.number},
            )
        current = self.current
        if current is not None and current.status is ProofStatus.OPEN:
            current.status = ProofStatus.SUPERSEDED
        number = len(self.proofs) + 1
        proof = Proof(
            number=number,
            configuration=dict(configuration),
            attachments=tuple(attachments),
            price=price,
            fee=self.policy.fee_for_round(number),
            issued_at=now,
        )
        self.proofs.append(proof)
        return proof

    def approve(self, number: int, now: datetime) -> Proof:
        proof = self._decidable(number)
        proof.status = ProofStatus.APPROVED
        proof.decided_at = now
        return proof

    def request_changes(self, number: int, comment: str, now: datetime) -> Proof:
        if not comment.strip():
            raise BusinessRuleViolation(
                "say what should change so the designer can issue the next proof",
                code="comment_required",
                errors=[FieldProblem("comment", "required", "must not be empty")],
            )
        proof = self._decidable(number)
        proof.status = ProofStatus.CHANGES_REQUESTED
        proof.comment = comment
        proof.decided_at = now
        return proof

    def reopen(self) -> Proof:
        """Undo the approval after an accepted change order; returns the reopened proof."""
        approved = self.approved
        if approved is None:
            raise Conflict("the design has no approved proof to reopen", code="design_not_approved")
        approved.status = ProofStatus.REOPENED
        return approved

    def _decidable(self, number: int) -> Proof:
        if not 1 <= number <= len(self.proofs):
            raise NotFound(
                f"there is no proof {number}",
                code="proof_not_found",
                extra={"current_proof": self._current_number()},
            )
        proof = self.proofs[number - 1]
        if proof.status is ProofStatus.SUPERSEDED:
            raise Conflict(
                f"proof {number} was superseded; decide on proof {self._current_number()}",
                code="proof_superseded",
                extra={"current_proof": self._current_number()},
            )
        if proof.status is not ProofStatus.OPEN:
            raise Conflict(
                f"proof {number} was already decided ({proof.status.value})",
                code="proof_already_decided",
                extra={"status": proof.status.value, "current_proof": self._current_number()},
            )
        return proof

    def _current_number(self) -> int | None:
        return self.current.number if self.current else None
