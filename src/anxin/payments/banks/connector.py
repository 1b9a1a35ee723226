"""The interface every bank connector implements, and the plain data that crosses it.

A bank is slow and fallible: it accepts an instruction now and answers later, declines, or
never answers at all. So the interface is submit-then-ask: `submit` hands the bank an order
and returns its reference at once; `status` asks what became of it. Anxin holds the money in
the ledger while it waits, and the settle step (`orders.settle_due`) acts on the answer or,
past the connector's `answer_timeout_seconds`, gives up and releases the hold.

Card numbers go to the connector once, at enrolment; Anxin keeps only the connector's token
and the last four digits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from anxin.core.money import Money

OrderKind = Literal["topup", "withdrawal", "payout"]
AnswerStatus = Literal["pending", "confirmed", "declined"]


@dataclass(frozen=True, slots=True)
class CardEnrolment:
    """The bank's answer to "this person says this card is theirs"."""

    token: str
    challenge: str
    sandbox_hint: str | None = None


@dataclass(frozen=True, slots=True)
class BankOrder:
    """One instruction to the bank: take money from a card (top-up) or pay money to one."""

    id: str
    kind: OrderKind
    card_token: str
    amount: Money
    reference: str | None = None
    submitted_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class BankAnswer:
    status: AnswerStatus
    reason: str | None = None


class BankConnector(Protocol):
    @property
    def code(self) -> str:
        """Short stable name stored with cards and orders ("sandbox")."""

    @property
    def name(self) -> str:
        """What customers see."""

    @property
    def sandbox(self) -> bool:
        """True when no real money moves; shown with every card and order."""

    @property
    def currencies(self) -> tuple[str, ...]: ...

    @property
    def answer_timeout_seconds(self) -> int:
        """How long Anxin waits for an answer before it calls the order timed out."""

    def enrol_card(self, number: str, holder_name: str) -> CardEnrolment:
        """Register a card (number already Luhn-checked) and start proving it is the caller's."""

    def check_verification(self, token: str, answer: str) -> bool:
        """Whether `answer` proves the card (a micro-deposit amount, a code...)."""

    def submit(self, order: BankOrder) -> str:
        """Send an order; returns the bank's reference. Resending the same order id is safe."""

    def status(self, order: BankOrder, now: datetime) -> BankAnswer:
        """What the bank has said about a submitted order by `now`."""
