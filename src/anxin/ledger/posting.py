"""Pure posting rules: apply ledger commands to an in-memory book of accounts and transfers.

Nothing here touches the database. The store loads the rows a batch needs into a `Book`,
`apply` decides each command against it (and records what changed), and the store writes
the changes in one transaction. Keeping the decision pure is what lets one transaction carry
hundreds of commands (group commit) and lets tests check the rules without a database.
"""

from __future__ import annotations

import hashlib
import struct
from copy import copy
from dataclasses import dataclass, field
from typing import Any

from anxin.core.errors import (
    AnxinError,
    InsufficientFunds,
    InvalidInput,
    InvalidState,
    NotFound,
)
from anxin.core.ids import new_id

GENESIS_HASH = bytes(32)

PENDING, POSTED, VOIDED, EXPIRED = "pending", "posted", "voided", "expired"


@dataclass(slots=True)
class AccountState:
    id: str
    currency: str
    no_overdraft: bool
    debits_posted: int = 0
    credits_posted: int = 0
    debits_pending: int = 0
    credits_pending: int = 0
    entry_count: int = 0
    head_hash: bytes = GENESIS_HASH

    @property
    def balance(self) -> int:
        return self.credits_posted - self.debits_posted

    def clone(self) -> AccountState:
        return AccountState(
            self.id,
            self.currency,
            self.no_overdraft,
            self.debits_posted,
            self.credits_posted,
            self.debits_pending,
            self.credits_pending,
            self.entry_count,
            self.head_hash,
        )

    @property
    def available(self) -> int:
        """What may still leave the account: posted balance minus outstanding holds."""
        return self.balance - self.debits_pending


@dataclass(slots=True)
class TransferRow:
    id: str
    debit_account_id: str
    credit_account_id: str
    amount: int
    currency: str
    status: str
    effective_at: int
    created_at: int
    posted_amount: int | None = None
    expires_at: int | None = None
    batch_id: str | None = None
    reverses_id: str | None = None
    meta: dict[str, Any] | None = None
    resolved_at: int | None = None


@dataclass(slots=True)
class Entry:
    account_id: str
    account_seq: int
    transfer_id: str
    amount: int
    balance_after: int
    effective_at: int
    recorded_at: int
    hash: bytes


@dataclass(frozen=True, slots=True)
class TransferSpec:
    """One requested transfer. `pending` holds the funds instead of moving them."""

    debit_account_id: str
    credit_account_id: str
    amount: int
    currency: str
    pending: bool = False
    timeout_seconds: int | None = None
    effective_at: int | None = None
    meta: dict[str, Any] | None = None
    reverses_id: str | None = None


@dataclass(frozen=True, slots=True)
class Create:
    """Create one or more transfers; with several, all succeed or none do (a linked batch)."""

    specs: tuple[TransferSpec, ...]


@dataclass(frozen=True, slots=True)
class Post:
    """Move a pending transfer's held funds, all of them or `amount` (the rest is released)."""

    pending_id: str
    amount: int | None = None


@dataclass(frozen=True, slots=True)
class Void:
    pending_id: str


@dataclass(frozen=True, slots=True)
class Expire:
    pending_id: str


Command = Create | Post | Void | Expire


def entry_hash(prev: bytes, entry: Entry) -> bytes:
    """Chain an entry to the account's previous one, so any edit or deletion shows."""
    packed = struct.pack(
        ">qqqqq",
        entry.account_seq,
        entry.amount,
        entry.balance_after,
        entry.effective_at,
        entry.recorded_at,
    )
    ids = f"{entry.account_id}|{entry.transfer_id}".encode()
    return hashlib.sha256(prev + packed + ids).digest()


@dataclass
class Book:
    """The rows one batch reads and the changes it makes, with per-command rollback."""

    accounts: dict[str, AccountState]
    transfers: dict[str, TransferRow]
    reversed_totals: dict[str, int] = field(default_factory=dict)
    default_timeout_seconds: int = 3600
    new_transfers: list[TransferRow] = field(default_factory=list)
    resolved: dict[str, TransferRow] = field(default_factory=dict)
    entries: list[Entry] = field(default_factory=list)
    dirty: set[str] = field(default_factory=set)
    # What the command being applied has touched, as (state before, was it already changed):
    _undo: dict[str, tuple[AccountState, bool]] = field(default_factory=dict)
    _undo_transfers: dict[str, tuple[TransferRow, bool]] = field(default_factory=dict)
    _undo_reversals: dict[str, int] = field(default_factory=dict)

    def account(self, account_id: str, field_name: str) -> AccountState:
        state = self.accounts.get(account_id)
        if state is None:
            raise NotFound(f"account {account_id!r} does not exist", field=field_name)
        if account_id not in self._undo:
            self._undo[account_id] = (state.clone(), account_id in self.dirty)
        return state

    def pending_transfer(self, transfer_id: str) -> TransferRow:
        row = self.transfers.get(transfer_id)
        if row is None:
            raise NotFound(f"transfer {transfer_id!r} does not exist", field="pending_id")
        if transfer_id not in self._undo_transfers:
            self._undo_transfers[transfer_id] = (copy(row), transfer_id in self.resolved)
        return row

    def apply(self, command: Command, now: int) -> list[TransferRow]:
        """Apply one command atomically: on refusal nothing it did remains, and it raises."""
        new_mark, entry_mark = len(self.new_transfers), len(self.entries)
        self._undo, self._undo_transfers, self._undo_reversals = {}, {}, {}
        try:
            return self._apply(command, now)
        except AnxinError:
            for account_id, (saved, was_dirty) in self._undo.items():
                self.accounts[account_id] = saved
                if not was_dirty:
                    self.dirty.discard(account_id)
            for transfer_id, (saved_row, was_resolved) in self._undo_transfers.items():
                self.transfers[transfer_id] = saved_row
                if was_resolved:
                    self.resolved[transfer_id] = saved_row
                else:
                    self.resolved.pop(transfer_id, None)
            self.reversed_totals.update(self._undo_reversals)
            for row in self.new_transfers[new_mark:]:
                self.transfers.pop(row.id, None)
            del self.new_transfers[new_mark:]
            del self.entries[entry_mark:]
            raise

    def _apply(self, command: Command, now: int) -> list[TransferRow]:
        if isinstance(command, Create):
            batch_id = new_id() if len(command.specs) > 1 else None
            return [
                self._create(spec, now, batch_id, index, len(command.specs) > 1)
                for index, spec in enumerate(command.specs)
            ]
        if isinstance(command, Post):
            return [self._post(command, now)]
        if isinstance(command, Void):
            return [self._release(command.pending_id, now, VOIDED)]
        row = self.transfers.get(command.pending_id)
        if row is not None and row.status == EXPIRED:
            return [row]
        return [self._release(command.pending_id, now, EXPIRED)]

    def _create(
        self, spec: TransferSpec, now: int, batch_id: str | None, index: int, linked: bool
    ) -> TransferRow:
        where = f"transfers[{index}]." if linked else ""
        if spec.amount <= 0:
            raise InvalidInput("amount must be greater than zero", field=where + "amount")
        if spec.debit_account_id == spec.credit_account_id:
            raise InvalidInput(
                "debit and credit account must differ", field=where + "credit_account_id"
            )
        debit = self.account(spec.debit_account_id, where + "debit_account_id")
        credit = self.account(spec.credit_account_id, where + "credit_account_id")
        for state, name in ((debit, "debit_account_id"), (credit, "credit_account_id")):
            if state.currency != spec.currency:
                raise InvalidInput(
                    f"account {state.id} holds {state.currency}, transfer is {spec.currency}",
                    field=where + name,
                )
        if spec.reverses_id is not None:
            self._check_reversal(spec)
        if debit.no_overdraft and debit.available < spec.amount:
            raise InsufficientFunds(
                f"account {debit.id} has {debit.available} available minor units, "
                f"needs {spec.amount}",
                field=where + "amount",
            )
        row = TransferRow(
            id=new_id(),
            debit_account_id=debit.id,
            credit_account_id=credit.id,
            amount=spec.amount,
            currency=spec.currency,
            status=POSTED,
            effective_at=spec.effective_at if spec.effective_at is not None else now,
            created_at=now,
            batch_id=batch_id,
            reverses_id=spec.reverses_id,
            meta=spec.meta,
        )
        if spec.pending:
            timeout = spec.timeout_seconds or self.default_timeout_seconds
            row.status, row.expires_at = PENDING, now + timeout * 1_000_000
            debit.debits_pending += spec.amount
            credit.credits_pending += spec.amount
            self.dirty.update((debit.id, credit.id))
        else:
            row.posted_amount, row.resolved_at = spec.amount, now
            self._move(debit, credit, spec.amount, row, now)
        self.new_transfers.append(row)
        self.transfers[row.id] = row
        return row

    def _check_reversal(self, spec: TransferSpec) -> None:
        assert spec.reverses_id is not None
        original = self.transfers.get(spec.reverses_id)
        if original is None or original.status != POSTED:
            raise InvalidState(
                f"transfer {spec.reverses_id!r} is not a posted transfer", field="reverses_id"
            )
        if (spec.debit_account_id, spec.credit_account_id) != (
            original.credit_account_id,
            original.debit_account_id,
        ):
            raise InvalidInput(
                "a reversal moves money back along the original's accounts", field="reverses_id"
            )
        already = self.reversed_totals.get(original.id, 0)
        if already + spec.amount > (original.posted_amount or 0):
            raise InvalidState(
                f"reversals would exceed the {original.posted_amount} minor units posted "
                f"({already} already reversed)",
                field="amount",
            )
        self._undo_reversals.setdefault(original.id, already)
        self.reversed_totals[original.id] = already + spec.amount

    def _post(self, command: Post, now: int) -> TransferRow:
        row = self._open_pending(command.pending_id)
        amount = row.amount if command.amount is None else command.amount
        if amount <= 0 or amount > row.amount:
            raise InvalidInput(
                f"post amount must be between 1 and the {row.amount} minor units held",
                field="amount",
            )
        debit = self.account(row.debit_account_id, "debit_account_id")
        credit = self.account(row.credit_account_id, "credit_account_id")
        debit.debits_pending -= row.amount
        credit.credits_pending -= row.amount
        row.status, row.posted_amount, row.resolved_at = POSTED, amount, now
        self._move(debit, credit, amount, row, now)
        self.resolved[row.id] = row
        return row

    def _release(self, pending_id: str, now: int, status: str) -> TransferRow:
        row = self._open_pending(pending_id)
        debit = self.account(row.debit_account_id, "debit_account_id")
        credit = self.account(row.credit_account_id, "credit_account_id")
        debit.debits_pending -= row.amount
        credit.credits_pending -= row.amount
        self.dirty.update((debit.id, credit.id))
        row.status, row.resolved_at = status, now
        self.resolved[row.id] = row
        return row

    def _open_pending(self, pending_id: str) -> TransferRow:
        row = self.pending_transfer(pending_id)
        if row.status != PENDING:
            raise InvalidState(f"transfer {pending_id} is already {row.status}")
        return row

    def _move(
        self, debit: AccountState, credit: AccountState, amount: int, row: TransferRow, now: int
    ) -> None:
        debit.debits_posted += amount
        credit.credits_posted += amount
        for state, signed in ((debit, -amount), (credit, amount)):
            state.entry_count += 1
            entry = Entry(
                account_id=state.id,
                account_seq=state.entry_count,
                transfer_id=row.id,
                amount=signed,
                balance_after=state.balance,
                effective_at=row.effective_at,
                recorded_at=now,
                hash=b"",
            )
            entry.hash = entry_hash(state.head_hash, entry)
            state.head_hash = entry.hash
            self.entries.append(entry)
            self.dirty.add(state.id)
