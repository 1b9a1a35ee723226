"""Merchant QR payments held for a step-up code or a review: how they finish.

`anxin.payments.holds` calls `HOLDS` for a hold whose purpose is a merchant payment. The
held transfer already goes from the payer's wallet to the merchant's account, so approving
posts it, and records the trade and tells both sides in that same transaction: the merchant
hears of the payment only once it is made. Releasing it tells the payer that the money is
back; nothing was recorded for the merchant, so its order can be paid again.
"""

from __future__ import annotations

from typing import Any, Final, Literal

from sqlalchemy import Connection, select

from anxin.api.services import Services
from anxin.core.clock import to_micros
from anxin.ledger import store
from anxin.ledger.posting import Post, TransferRow
from anxin.ledger.service import Request
from anxin.notify import Message, enqueue
from anxin.payments.holds import APPROVED, Hold, Shown, close_hold, ended, settle
from anxin.payments.merchants import tables as t
from anxin.payments.merchants.service import merchant, record_payment


class _MerchantHolds:
    """`holds.HeldPurpose` for merchant QR payments."""

    def approve(self, services: Services, found: Hold, actor: str) -> TransferRow:
        meta = _meta(services, found)
        shop, order_id = merchant(services, str(meta["merchant_id"])), meta.get("order_id")
        payer = services.identity.user(found.user_id)

        def paid(conn: Connection, transfers: list[TransferRow]) -> None:
            now = transfers[0].resolved_at or to_micros(services.clock.now())
            close_hold(conn, found, APPROVED, actor, None, now)
            record_payment(conn, shop, payer, transfers[0], order_id, now)

        return settle(services, found, Request(Post(found.transfer_id), effects=paid))

    def released(
        self, conn: Connection, services: Services, found: Hold, status: str, note: str | None,
        now: int,
    ) -> None:  # fmt: skip
        del services  # everything needed is in this transaction
        transfer = store.load_transfers(conn, [found.transfer_id])[found.transfer_id]
        merchant_id = (transfer.meta or {})["merchant_id"]
        name = conn.execute(
            select(t.merchants.c.name).where(t.merchants.c.id == merchant_id)
        ).scalar_one()
        shown, why = found.money.shown(), ended(status, note, "没有付出")
        enqueue(conn, [Message(
            found.user_id, "payment",
            title_zh=f"向{name}付款{shown}未完成",
            body_zh=f"您向{name}付款{shown}{why.zh}，钱已退回您的钱包。{why.said}",
            title_en=f"Payment of {shown} to {name} not completed",
            body_en=f"Your payment of {shown} to {name} {why.en}; the money is back in your "
            f"wallet.{why.said}",
            data={"hold_id": found.id, "transfer_id": found.transfer_id,
                  "merchant_id": merchant_id},
        )], now)  # fmt: skip

    def shown(self, services: Services, found: Hold, lang: Literal["zh", "en"]) -> Shown:
        del lang  # a shop has one name
        shop = merchant(services, str(_meta(services, found)["merchant_id"]))
        return Shown(shop["name"], f"/pay/qr/done/{found.transfer_id}")

    def legs(self, services: Services, found: Hold) -> tuple[str, ...]:
        return ()  # the held transfer is all the money there is


def _meta(services: Services, found: Hold) -> dict[str, Any]:
    """What the held transfer says it pays: the merchant, and the order if the code had one."""
    return services.ledger.transfer(found.transfer_id).meta or {}


HOLDS: Final = _MerchantHolds()
