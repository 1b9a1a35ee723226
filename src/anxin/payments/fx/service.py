"""Quoting and executing currency conversions between a person's wallets.

A quote locks the rate for a few seconds. Executing it is one linked ledger batch: the
customer's sell-currency wallet pays the house's liquidity account in that currency, and
the house's liquidity account in the buy currency pays the customer's buy-currency wallet.
Both legs post or neither does. The quote id is the ledger idempotency key, so a quote can
be executed once however many times it is sent.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select

from anxin.api.services import Services
from anxin.core.clock import isoformat, to_micros
from anxin.core.errors import InvalidState, NotFound
from anxin.core.ids import new_id
from anxin.core.money import Money
from anxin.identity.service import User
from anxin.ledger.posting import Create, TransferRow, TransferSpec
from anxin.ledger.service import Request, fingerprint
from anxin.notify import Message, enqueue
from anxin.payments.fx import tables as t
from anxin.payments.fx.pricing import RATE_PLACES, price
from anxin.payments.risk_hook import PaymentEvent, require_allowed
from anxin.payments.wallets import ensure_wallet, find_wallet

LIQUIDITY = "system:fx-liquidity"
__all__ = ["RATE_PLACES", "convert", "quote", "quote_json"]


def quote(services: Services, user: User, sell: Money, buy_currency: str) -> dict[str, Any]:
    settings = services.settings
    mid = services.rates.mid_rate(sell.currency, buy_currency)
    priced = price(sell, buy_currency, mid, settings.fx_spread)
    now = to_micros(services.clock.now())
    row = {
        "id": new_id(), "user_id": user.id, "sell_currency": sell.currency,
        "sell_minor": sell.to_minor(), "buy_currency": buy_currency,
        "buy_minor": priced.buy.to_minor(), "fee_minor": priced.fee.to_minor(),
        "mid_rate": str(priced.mid_rate.normalize()), "rate": str(priced.rate.normalize()),
        "created_at": now, "expires_at": now + settings.fx_quote_seconds * 1_000_000,
    }  # fmt: skip
    with services.db.write() as conn:
        conn.execute(insert(t.quotes), row)
    return row


def load_quote(services: Services, user: User, quote_id: str) -> dict[str, Any]:
    with services.db.read() as conn:
        row = conn.execute(
            select(t.quotes).where(t.quotes.c.id == quote_id, t.quotes.c.user_id == user.id)
        ).first()
    if row is None:
        raise NotFound(f"you have no quote {quote_id!r}", field="quote_id")
    return row._asdict()


async def convert(
    services: Services, user: User, quote_id: str, body: Any
) -> tuple[list[TransferRow], bool]:
    """Execute a quote; returns the two legs and whether this was a replay."""
    row = load_quote(services, user, quote_id)
    sell = Money.from_minor(row["sell_minor"], row["sell_currency"])
    buy = Money.from_minor(row["buy_minor"], row["buy_currency"])
    key, scope, fingerprint_ = f"fx:{quote_id}", f"user:{user.id}", fingerprint("fx", body)
    if to_micros(services.clock.now()) > row["expires_at"]:
        # Executed in time and asked again later: the original answer, not "expired".
        earlier = services.ledger.replay(scope, key, fingerprint_)
        if earlier is None:
            raise InvalidState("this quote has expired; ask for a new one", field="quote_id")
        return earlier.unwrap(), True
    source = find_wallet(services.ledger, user.id, sell.currency)
    if source is None:
        raise NotFound(f"you have no {sell.currency} wallet", field="quote_id")
    require_allowed(services.risk_hook(PaymentEvent(
        user_id=user.id, amount=sell, channel="fx", at=services.clock.now(),
    )))  # fmt: skip
    target, _ = ensure_wallet(services.ledger, user.id, buy.currency)
    meta = {"type": "fx", "quote_id": quote_id, "rate": row["rate"], "mid_rate": row["mid_rate"],
            "fee": str(Money.from_minor(row["fee_minor"], buy.currency))}  # fmt: skip
    house_sell = services.ledger.system_account(LIQUIDITY, sell.currency)["id"]
    house_buy = services.ledger.system_account(LIQUIDITY, buy.currency)["id"]
    legs = (
        TransferSpec(source["id"], house_sell, sell.to_minor(), sell.currency, meta=meta),
        TransferSpec(house_buy, target["id"], buy.to_minor(), buy.currency, meta=meta),
    )

    def tell(conn: Connection, transfers: list[TransferRow]) -> None:
        shown_sell, shown_buy = sell.shown(), buy.shown()
        enqueue(conn, [Message(
            user.id, "payment",
            title_zh=f"换汇成功：{shown_sell} → {shown_buy}",
            body_zh=f"您已按汇率{row['rate']}用{shown_sell}换得{shown_buy}。",
            title_en=f"Exchanged {shown_sell} → {shown_buy}",
            body_en=f"You exchanged {shown_sell} for {shown_buy} at {row['rate']}.",
            data={"quote_id": quote_id, "transfer_ids": [leg.id for leg in transfers]},
        )], to_micros(services.clock.now()))  # fmt: skip

    result = await services.writer.execute_async(
        Request(Create(legs), key, scope, fingerprint_, effects=tell)
    )
    return result.unwrap(), result.replayed


def quote_json(row: dict[str, Any]) -> dict[str, Any]:
    sell, buy = row["sell_currency"], row["buy_currency"]
    return {
        "id": row["id"],
        "sell": {"amount": str(Money.from_minor(row["sell_minor"], sell)), "currency": sell},
        "buy": {"amount": str(Money.from_minor(row["buy_minor"], buy)), "currency": buy},
        "rate": row["rate"], "mid_rate": row["mid_rate"],
        "fee": {"amount": str(Money.from_minor(row["fee_minor"], buy)), "currency": buy},
        "expires_at": isoformat(row["expires_at"]),
    }  # fmt: skip
