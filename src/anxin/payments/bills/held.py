"""Bill payments and phone top-ups held for a step-up code or a review: how they finish.

`anxin.payments.holds` calls `HOLDS` for a hold whose purpose is a bill payment.
Approving it voids the hold's pending transfer and puts the payment back to `started` in
the same transaction; the bills flow then carries it out like any other: a fresh reservation,
the biller's answer, post or void. A fresh reservation rather than the held one, because
the held one expires on the hold's short clock, and the biller step must be able to resume
after a restart (`resume_stale`) with its money still reserved.
"""

from __future__ import annotations

from typing import Final, Literal

from sqlalchemy import Connection, select, update

from anxin.api.services import Services
from anxin.core.clock import to_micros
from anxin.core.errors import InvalidState, PaymentRefused
from anxin.ledger.posting import TransferRow, Void
from anxin.ledger.service import Request
from anxin.payments.bills import tables as t
from anxin.payments.bills.registry import BILLERS
from anxin.payments.bills.service import (
    FAILED,
    STARTED,
    WAITING,
    Payment,
    carry_out,
    record_failure,
)
from anxin.payments.holds import APPROVED, Hold, Shown, close_hold, ended, settle

c = t.bill_payments.c


class _BillHolds:
    """`holds.HeldPurpose` for bill payments."""

    def approve(self, services: Services, found: Hold, actor: str) -> TransferRow:
        def cleared(conn: Connection, transfers: list[TransferRow]) -> None:
            now = transfers[0].resolved_at or to_micros(services.clock.now())
            close_hold(conn, found, APPROVED, actor, None, now)
            changed = conn.execute(
                update(t.bill_payments)
                .where(c.hold_id == found.transfer_id, c.status == WAITING)
                .values(status=STARTED, updated_at=now)
            ).rowcount
            if not changed:  # rolls the approval back with it: nothing is half-done
                raise InvalidState("this bill payment no longer waits", field="hold_id")

        settle(services, found, Request(Void(found.transfer_id), effects=cleared))
        with services.db.read() as conn:
            row = conn.execute(select(t.bill_payments).where(c.hold_id == found.transfer_id)).one()
        payment = carry_out(services, Payment.from_row(row)).payment
        assert payment.hold_id is not None
        return services.ledger.transfer(payment.hold_id)

    def released(
        self, conn: Connection, services: Services, found: Hold, status: str, note: str | None,
        now: int,
    ) -> None:  # fmt: skip
        row = conn.execute(
            select(t.bill_payments).where(c.hold_id == found.transfer_id, c.status == WAITING)
        ).first()
        if row is None:
            return
        why = ended(status, note)
        record_failure(conn, services, Payment.from_row(row), FAILED, PaymentRefused(
            f"the payment {why.en}{why.said}; nothing was charged", decision=found.kind,
        ))  # fmt: skip

    def shown(self, services: Services, found: Hold, lang: Literal["zh", "en"]) -> Shown:
        # From the held transfer, which names both for good: once approved, the payment
        # holds a fresh reservation and no longer points back at this one.
        meta = services.ledger.transfer(found.transfer_id).meta or {}
        info = BILLERS[str(meta["biller"])]
        name = info.name_zh if lang == "zh" else info.name_en
        return Shown(name, f"/bills/payments/{meta['payment_id']}")

    def legs(self, services: Services, found: Hold) -> tuple[str, ...]:
        return ()  # the held transfer is all the money there is


HOLDS: Final = _BillHolds()
