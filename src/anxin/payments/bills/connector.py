"""What Anxin needs from a biller's gateway, whoever runs it.

A real connector speaks a biller's (or an aggregator's) API; `SandboxBillers` stands in for
all of them until one is configured. Amounts are integer minor units, never floats.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class AccountHolder:
    """What a biller confirms about an account when it is bound: the masked holder name."""

    biller: str
    account_number: str
    holder: str


@dataclass(frozen=True, slots=True)
class IssuedBill:
    """One monthly bill as the biller issued it; the late fee accrues after `due_on`."""

    biller: str
    account_number: str
    period: str
    bill_number: str
    amount: int
    currency: str
    issued_on: date
    due_on: date
    late_fee_bp_per_day: int
    detail: str


@dataclass(frozen=True, slots=True)
class BillerOrder:
    """A payment request; `reference` is Anxin's payment id, which makes it idempotent."""

    reference: str
    biller: str
    account_number: str
    amount: int
    currency: str
    requested_at: datetime
    period: str | None = None
    bill_number: str | None = None


@dataclass(frozen=True, slots=True)
class BillerReceipt:
    accepted: bool
    reference: str
    biller_reference: str | None
    reason: str | None = None


class BillerConnector(Protocol):
    """A gateway to the billers. `pay` raises `TimeoutError` when the biller does not answer."""

    description: str
    sandbox: bool

    def find_account(self, biller: str, account_number: str) -> AccountHolder:
        """Confirm the account exists; raise `NotFound` when the biller does not know it."""
        ...

    def issued_bills(
        self, biller: str, account_number: str, since: date, until: date
    ) -> list[IssuedBill]:
        """The bills issued to the account between `since` and `until` (inclusive)."""
        ...

    def pay(self, order: BillerOrder) -> BillerReceipt:
        """Pay a bill or top up; the same `reference` twice answers with the first receipt."""
        ...
