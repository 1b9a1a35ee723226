"""The ledger service: runs batches of commands in one transaction, with idempotency.

`Ledger.execute` is the only code that changes balances. It claims idempotency keys in the
same transaction as the postings they guard, so a crash can never leave a key without its
transfer or a transfer without its key, and a retried request finds the original outcome
(success or refusal) instead of paying twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from anxin.core.clock import Clock, to_micros
from anxin.core.db import Database
from anxin.core.errors import (
    ERROR_TYPES,
    AnxinError,
    IdempotencyMismatch,
    InvalidInput,
    NotFound,
    Unavailable,
)
from anxin.core.ids import new_id
from anxin.core.money import check_currency
from anxin.ledger import queries, store
from anxin.ledger import tables as t
from anxin.ledger.posting import (
    EXPIRED,
    GENESIS_HASH,
    PENDING,
    POSTED,
    Book,
    Command,
    Create,
    Expire,
    Post,
    TransferRow,
    Void,
)

log = logging.getLogger(__name__)

_RETRIES = 5
SYSTEM_PREFIX = "system:"


@dataclass(frozen=True, slots=True)
class Request:
    """A command plus the idempotency key and body fingerprint the client sent with it.

    `effects` runs inside the posting transaction when the command succeeds (not on a
    replay): other capabilities use it to write their own rows, such as a notification in
    the outbox, atomically with the money movement.
    """

    command: Command
    idempotency_key: str | None = None
    scope: str = "admin"
    fingerprint: bytes = b""
    effects: Callable[[Connection, list[TransferRow]], None] | None = None


@dataclass(slots=True)
class Result:
    transfers: list[TransferRow]
    error: AnxinError | None = None
    replayed: bool = False

    @property
    def status_code(self) -> int:
        return self.error.status if self.error else 201

    def unwrap(self) -> list[TransferRow]:
        if self.error is not None:
            raise self.error
        return self.transfers


def fingerprint(operation: str, body: Any) -> bytes:
    """A stable hash of what the client asked for, to tell a retry from a different request."""
    canonical = json.dumps([operation, body], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).digest()


class _Refused(Exception):
    """A request of a `together` batch was refused: carries its error out of the transaction,
    which rolls back on the way."""

    def __init__(self, error: AnxinError) -> None:
        super().__init__(error.detail)
        self.error = error


class Ledger:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        pending_timeout_seconds: int = 3600,
        idempotency_ttl_seconds: int = 48 * 3600,
    ) -> None:
        self.db = db
        self.clock = clock
        self.pending_timeout_seconds = pending_timeout_seconds
        self.idempotency_ttl_seconds = idempotency_ttl_seconds
        # Called inside every posting transaction with the transfers it posted, however they
        # were requested, so another capability can react atomically (salary split).
        self.on_posted: list[Callable[[Connection, list[TransferRow]], None]] = []

    # -- accounts -----------------------------------------------------------------------

    def open_account(
        self,
        currency: str,
        *,
        no_overdraft: bool = True,
        owner_id: str | None = None,
        kind: str = "general",
        meta: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Create an empty account."""
        return self.open_accounts(
            currency, 1, no_overdraft=no_overdraft, owner_id=owner_id, kind=kind, meta=meta
        )[0]

    def open_accounts(
        self,
        currency: str,
        count: int,
        *,
        no_overdraft: bool = True,
        owner_id: str | None = None,
        kind: str = "general",
        meta: dict[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        """Create `count` empty accounts alike in one transaction (imports, benchmarks)."""
        now = to_micros(self.clock.now())
        rows = [
            {
                "id": new_id(),
                "currency": check_currency(currency),
                "owner_id": owner_id,
                "kind": kind,
                "no_overdraft": no_overdraft,
                "meta": meta,
                "debits_posted": 0,
                "credits_posted": 0,
                "debits_pending": 0,
                "credits_pending": 0,
                "entry_count": 0,
                "head_hash": GENESIS_HASH,
                "created_at": now,
            }
            for _ in range(count)
        ]
        with self.db.write() as conn:
            conn.execute(insert(t.accounts), rows)
        return rows

    def system_account(self, kind: str, currency: str) -> dict[str, Any]:
        """The house's own account of `kind` in `currency` (e.g. FX liquidity, fee income).

        Opened on first use and allowed to go negative: it is the house's position, not a
        customer's money. A unique index keeps racing first uses from opening two.
        """
        if not kind.startswith(SYSTEM_PREFIX):
            raise InvalidInput(f"system account kinds start with {SYSTEM_PREFIX!r}", field="kind")
        with self.db.read() as conn:
            found = queries.find_system_account(conn, kind, currency)
        if found is not None:
            return found
        try:
            return self.open_account(currency, no_overdraft=False, kind=kind)
        except IntegrityError:
            with self.db.read() as conn:
                again = queries.find_system_account(conn, kind, currency)
            assert again is not None
            return again

    def account(self, account_id: str) -> dict[str, Any]:
        with self.db.read() as conn:
            return queries.account_row(conn, account_id)

    def transfer(self, transfer_id: str) -> TransferRow:
        with self.db.read() as conn:
            found = store.load_transfers(conn, [transfer_id])
        if transfer_id not in found:
            raise NotFound(f"transfer {transfer_id!r} does not exist")
        return found[transfer_id]

    # -- commands -----------------------------------------------------------------------

    def run(
        self,
        command: Command,
        *,
        idempotency_key: str | None = None,
        scope: str = "admin",
        fingerprint: bytes = b"",
    ) -> list[TransferRow]:
        """Execute one command on its own and return its transfers, or raise its refusal."""
        request = Request(command, idempotency_key, scope, fingerprint)
        return self.execute([request])[0].unwrap()

    def replay(self, scope: str, key: str, fingerprint: bytes) -> Result | None:
        """What an earlier request with this key answered, without running anything new."""
        with self.db.read() as conn:
            earlier = store.load_idempotency(conn, [(scope, key)]).get((scope, key))
            if earlier is None:
                return None
            if earlier["request_hash"] != fingerprint:
                return Result([], _mismatch(key))
            results = [Result([], replayed=True)]
            self._fill_replays(conn, results, {0: earlier["result"]}, Book({}, {}))
        return results[0]

    def execute(self, requests: list[Request], *, together: bool = False) -> list[Result]:
        """Run `requests` in order inside one transaction; each succeeds or fails alone.

        With `together` they succeed or fail as one: the first refusal undoes the whole
        transaction (no transfer, no idempotency key, no effect is written) and is every
        request's answer. A held withdrawal's legs or a held exchange's two legs need this.
        """
        for attempt in range(_RETRIES):
            try:
                with self.db.write() as conn:
                    return self._execute(conn, requests, together)
            except _Refused as refused:  # raised inside the transaction, so it rolled back
                return [Result([], refused.error) for _ in requests]
            except (IntegrityError, OperationalError, DBAPIError) as exc:
                # A concurrent writer claimed the same key, or the database was busy:
                # everything was rolled back, so running the batch again is safe.
                log.info("ledger batch retry %d after %s", attempt + 1, type(exc).__name__)
                last = exc
        raise Unavailable("the ledger is busy; retry the request") from last

    def _execute(
        self, conn: Connection, requests: list[Request], together: bool = False
    ) -> list[Result]:
        now = to_micros(self.clock.now())
        keyed = [(r.scope, r.idempotency_key) for r in requests if r.idempotency_key]
        seen = store.load_idempotency(conn, keyed)

        pending_ids: list[str] = []
        originals: list[str] = []
        account_ids: list[str] = []
        for request in requests:
            command = request.command
            if isinstance(command, Create):
                for spec in command.specs:
                    account_ids += (spec.debit_account_id, spec.credit_account_id)
                    if spec.reverses_id:
                        originals.append(spec.reverses_id)
            else:
                pending_ids.append(command.pending_id)
        transfers = store.lock_transfers(conn, pending_ids + originals)
        for row in transfers.values():
            account_ids += (row.debit_account_id, row.credit_account_id)
        book = Book(
            accounts=store.lock_accounts(conn, account_ids),
            transfers=transfers,
            reversed_totals=store.reversed_totals(conn, originals),
            default_timeout_seconds=self.pending_timeout_seconds,
        )
        for row in list(transfers.values()):
            if row.status == PENDING and row.expires_at is not None and row.expires_at <= now:
                book.apply(Expire(row.id), now)

        results: list[Result] = []
        claims: list[dict[str, Any]] = []
        replays: dict[int, dict[str, Any]] = {}
        for index, request in enumerate(requests):
            key = (request.scope, request.idempotency_key or "")
            earlier = seen.get(key) if request.idempotency_key else None
            if earlier is not None:
                if earlier["request_hash"] != request.fingerprint:
                    results.append(Result([], _mismatch(request.idempotency_key or "")))
                else:
                    replays[index] = earlier["result"]
                    results.append(Result([], replayed=True))
                continue
            try:
                result = Result(book.apply(request.command, now))
            except AnxinError as error:
                result = Result([], error)
            results.append(result)
            if request.idempotency_key:
                claim = {
                    "scope": request.scope,
                    "key": request.idempotency_key,
                    "request_hash": request.fingerprint,
                    "status_code": result.status_code,
                    "result": _outcome(result),
                    "expires_at": now + self.idempotency_ttl_seconds * 1_000_000,
                }
                claims.append(claim)
                seen[key] = claim
        _refuse_all_if_one_failed(results, together)
        store.write_book(conn, book, claims)
        for request, result in zip(requests, results, strict=True):
            if request.effects is not None and result.error is None and not result.replayed:
                request.effects(conn, result.transfers)
        if self.on_posted:
            posted = [row for row in book.new_transfers if row.status == POSTED]
            posted += [row for row in book.resolved.values() if row.status == POSTED]
            if posted:
                for listener in self.on_posted:
                    listener(conn, posted)
        if replays:
            self._fill_replays(conn, results, replays, book)
        return results

    def _fill_replays(
        self,
        conn: Connection,
        results: list[Result],
        replays: dict[int, dict[str, Any]],
        book: Book,
    ) -> None:
        wanted = {tid for outcome in replays.values() for tid in outcome.get("transfers", [])}
        rows = {**store.load_transfers(conn, wanted - book.transfers.keys()), **book.transfers}
        for index, outcome in replays.items():
            if "error" in outcome:
                error = outcome["error"]
                cls = ERROR_TYPES.get(error["slug"], AnxinError)
                results[index] = Result(
                    [], cls(error["detail"], field=error.get("field")), replayed=True
                )
                continue
            replayed = []
            for transfer_id, status in zip(outcome["transfers"], outcome["statuses"], strict=True):
                original = rows[transfer_id]
                replayed.append(TransferRow(**{**_as_dict(original), "status": status}))
            results[index] = Result(replayed, replayed=True)

    # -- maintenance --------------------------------------------------------------------

    def expire_due(self, limit: int = 1000) -> int:
        """Release holds whose timeout has passed; returns how many expired."""
        now = to_micros(self.clock.now())
        with self.db.read() as conn:
            due = (
                conn.execute(
                    select(t.transfers.c.id)
                    .where(t.transfers.c.status == PENDING, t.transfers.c.expires_at <= now)
                    .limit(limit)
                )
                .scalars()
                .all()
            )
        if not due:
            return 0
        results = self.execute([Request(Expire(transfer_id)) for transfer_id in due])
        return sum(1 for r in results if r.error is None and r.transfers[0].status == EXPIRED)

    def purge_idempotency(self) -> int:
        """Forget keys past their retention (at least 24 h, by default 48 h)."""
        now = to_micros(self.clock.now())
        with self.db.write() as conn:
            done = conn.execute(delete(t.idempotency).where(t.idempotency.c.expires_at < now))
        return done.rowcount or 0


def _refuse_all_if_one_failed(results: list[Result], together: bool) -> None:
    """For a `together` batch: raise the first refusal, before anything is written."""
    refused = next((r.error for r in results if r.error is not None), None) if together else None
    if refused is not None:
        raise _Refused(refused)


def _mismatch(key: str) -> IdempotencyMismatch:
    return IdempotencyMismatch(
        f"idempotency key {key!r} was used for a different request", field="Idempotency-Key"
    )


def _outcome(result: Result) -> dict[str, Any]:
    if result.error is not None:
        return {
            "error": {
                "slug": result.error.slug,
                "detail": result.error.detail,
                "field": result.error.field,
            }
        }
    return {
        "transfers": [row.id for row in result.transfers],
        "statuses": [row.status for row in result.transfers],
    }


def _as_dict(row: TransferRow) -> dict[str, Any]:
    return {name: getattr(row, name) for name in TransferRow.__slots__}


__all__ = ["Create", "Ledger", "Post", "Request", "Result", "Void", "fingerprint"]
