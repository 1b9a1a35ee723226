"""Currency exchanges held for a step-up code or a review: how they finish.

`anxin.payments.holds` calls `HOLDS` for a hold whose purpose is an exchange. While it
waits, only the sell leg exists, pending, from the customer's wallet to the house. Approving
it posts the sell leg and writes the buy leg (the house pays the bought currency into the
customer's wallet, at the quoted rate) in one ledger transaction, which also closes the hold
and tells the customer: both legs are made or neither is. Releasing it voids the sell leg,
so the money is back and nothing was bought.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Final, Literal

from sqlalchemy import Connection

from anxin.api.services import Services
from anxin.ledger import store
from anxin.ledger.posting import Post, TransferRow
from anxin.ledger.service import Request
from anxin.notify import Message, enqueue
from anxin.payments.fx.service import bought_request, conversion_legs, exchanged, load_quote
from anxin.payments.holds import APPROVED, Hold, Shown, close_hold, ended, settle


class _FxHolds:
    """`holds.HeldPurpose` for currency exchanges."""

    def approve(self, services: Services, found: Hold, actor: str) -> TransferRow:
        row = _quote(services, found)
        user = services.identity.user(found.user_id)
        source = services.ledger.transfer(found.transfer_id).debit_account_id
        _, buy_leg = conversion_legs(services, user, row, source)
        told = exchanged(row)

        def bought(conn: Connection, transfers: list[TransferRow]) -> None:
            sold = store.load_transfers(conn, [found.transfer_id])[found.transfer_id]
            close_hold(conn, found, APPROVED, actor, None, transfers[0].created_at)
            told(conn, [sold, *transfers])

        buy = replace(bought_request(row["id"], buy_leg), effects=bought)
        settle(services, found, buy, before=[Request(Post(found.transfer_id))], together=True)
        return services.ledger.transfer(found.transfer_id)

    def released(
        self, conn: Connection, services: Services, found: Hold, status: str, note: str | None,
        now: int,
    ) -> None:  # fmt: skip
        del services  # everything needed is in this transaction
        meta = store.load_transfers(conn, [found.transfer_id])[found.transfer_id].meta or {}
        shown, why = found.money.shown(), ended(status, note)
        enqueue(conn, [Message(
            found.user_id, "payment",
            title_zh=f"换汇{shown}未完成",
            body_zh=f"用{shown}换汇{why.zh}，钱已退回您的钱包，没有买入外币。{why.said}",
            title_en=f"Exchange of {shown} not completed",
            body_en=f"Your exchange of {shown} {why.en}; the money is back in your wallet and "
            f"nothing was bought.{why.said}",
            data={"hold_id": found.id, "transfer_id": found.transfer_id,
                  "quote_id": meta.get("quote_id")},
        )], now)  # fmt: skip

    def shown(self, services: Services, found: Hold, lang: Literal["zh", "en"]) -> Shown:
        row = _quote(services, found)
        into = {"zh": "换成{}", "en": "into {}"}[lang].format(row["buy_currency"])
        return Shown(into, f"/fx/done/{found.transfer_id}")

    def legs(self, services: Services, found: Hold) -> tuple[str, ...]:
        return ()  # the buy leg is written only on approval


def _quote(services: Services, found: Hold) -> dict[str, Any]:
    """The quote the held sell leg executes."""
    meta = services.ledger.transfer(found.transfer_id).meta or {}
    return load_quote(services, services.identity.user(found.user_id), str(meta["quote_id"]))


HOLDS: Final = _FxHolds()
