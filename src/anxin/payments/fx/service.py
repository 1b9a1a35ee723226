"""Quoting and executing currency conversions between a person's wallets.

A quote locks the rate for a few seconds. Executing it is one linked ledger batch: the
customer's sell-currency wallet pays the house's liquidity account in that currency, and
the house's liquidity account in the buy currency pays the customer's buy-currency wallet.
Both legs post or neither does. The quote id is the ledger idempotency key, so a quote can
be executed once however many times it is sent.

A challenge or review verdict holds the conversion instead of refusing it: only the sell leg
is written, pending, beside a hold (`anxin.payments.holds`), and the buy leg follows when the
hold is approved (`fx.held`), at the quoted rate. The house honours the rate it quoted while
its own check runs, as a bank does: the customer agreed to that price, and the check, not the
customer, is what made it late; but only for `fx_hold_seconds` (an hour), after which the
hold is released and the customer asks for a new quote.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, insert, select

from anxin.api.services import Services
from anxin.core.clock import isoformat, to_micros
from anxin.core.errors import InvalidState, NotFound
from anxin.core.ids import new_id
from anxin.core.money import Money
from anxin.identity.service import User
from anxin.ledger.posting import Create, TransferRow, TransferSpec
from anxin.ledger.service import Request, Result, fingerprint
from anxin.notify import Message, enqueue
from anxin.payments import holds
from anxin.payments.fx import tables as t
from anxin.payments.fx.pricing import RATE_PLACES, price
from anxin.payments.risk_hook import PaymentEvent, hold_for
from anxin.payments.wallets import ensure_wallet, find_wallet

LIQUIDITY = "system:fx-liquidity"
__all__ = [
    "RATE_PLACES", "Conversion", "bought_leg", "bought_request", "conversion_legs", "convert",
    "exchanged", "load_quote", "quote", "quote_json",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Conversion:
    """A conversion as it stands: both legs once made; while a hold keeps it waiting (or
    once that hold released it), the sell leg alone, beside its `hold`."""

    legs: list[TransferRow]
    hold: holds.Hold | None
    replayed: bool


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


async def convert(services: Services, user: User, quote_id: str, body: Any) -> Conversion:
    """Execute a quote, or hold it for the risk check's code or review.

    A retry of a request the ledger already answered skips the checks, the risk engine's
    included: asking it again would count the conversion twice."""
    row = load_quote(services, user, quote_id)
    sell = Money.from_minor(row["sell_minor"], row["sell_currency"])
    key, scope, fingerprint_ = f"fx:{quote_id}", f"user:{user.id}", fingerprint("fx", body)
    earlier = services.ledger.replay(scope, key, fingerprint_)
    if earlier is not None:
        return _conversion_of(services, quote_id, earlier)
    if to_micros(services.clock.now()) > row["expires_at"]:
        raise InvalidState("this quote has expired; ask for a new one", field="quote_id")
    source = find_wallet(services.ledger, user.id, sell.currency)
    if source is None:
        raise NotFound(f"you have no {sell.currency} wallet", field="quote_id")
    held = holds.reachable(hold_for(services.risk_hook(PaymentEvent(
        user_id=user.id, amount=sell, channel="fx", at=services.clock.now(),
    ))), user)  # fmt: skip
    legs = conversion_legs(services, user, row, source["id"])
    if held is None:
        request = Request(Create(legs), key, scope, fingerprint_, effects=exchanged(row))
    else:  # the sell leg alone, pending beside its hold; the buy leg waits for the approval
        # The quoted rate is a promise the house keeps only so long: a long review would make
        # it a free option (cancel if the market turns, wait if it does not).
        seconds = min(holds.hold_seconds(services, held.kind), services.settings.fx_hold_seconds)
        sell_leg = replace(legs[0], pending=True, timeout_seconds=seconds)
        parties = holds.Parties(user.id, user.display_name, None, legs[1].currency, kind="fx")
        effects = holds.hold_effects(services, held, parties, sell, "fx", purpose=holds.FX)
        request = Request(Create((sell_leg,)), key, scope, fingerprint_, effects=effects)
    return _conversion_of(services, quote_id, await services.writer.execute_async(request))


def conversion_legs(
    services: Services, user: User, row: dict[str, Any], source_id: str
) -> tuple[TransferSpec, TransferSpec]:
    """The quote's two legs: the sell wallet pays the house, the house pays the buy wallet
    (opened on first use)."""
    sell = Money.from_minor(row["sell_minor"], row["sell_currency"])
    buy = Money.from_minor(row["buy_minor"], row["buy_currency"])
    target, _ = ensure_wallet(services.ledger, user.id, buy.currency)
    meta = {"type": "fx", "quote_id": row["id"], "rate": row["rate"], "mid_rate": row["mid_rate"],
            "fee": str(Money.from_minor(row["fee_minor"], buy.currency))}  # fmt: skip
    house_sell = services.ledger.system_account(LIQUIDITY, sell.currency)["id"]
    house_buy = services.ledger.system_account(LIQUIDITY, buy.currency)["id"]
    return (
        TransferSpec(source_id, house_sell, sell.to_minor(), sell.currency, meta=meta),
        TransferSpec(house_buy, target["id"], buy.to_minor(), buy.currency, meta=meta),
    )


def exchanged(row: dict[str, Any]) -> Callable[[Connection, list[TransferRow]], None]:
    """The ledger effect that tells the customer their money was exchanged, at once or when
    the hold was approved."""
    sell = Money.from_minor(row["sell_minor"], row["sell_currency"])
    buy = Money.from_minor(row["buy_minor"], row["buy_currency"])

    def tell(conn: Connection, transfers: list[TransferRow]) -> None:
        shown_sell, shown_buy = sell.shown(), buy.shown()
        enqueue(conn, [Message(
            row["user_id"], "payment",
            title_zh=f"换汇成功：{shown_sell} → {shown_buy}",
            body_zh=f"您已按汇率{row['rate']}用{shown_sell}换得{shown_buy}。",
            title_en=f"Exchanged {shown_sell} → {shown_buy}",
            body_en=f"You exchanged {shown_sell} for {shown_buy} at {row['rate']}.",
            data={"quote_id": row["id"], "transfer_ids": [leg.id for leg in transfers]},
        )], transfers[0].resolved_at or transfers[0].created_at)  # fmt: skip

    return tell


BOUGHT_SCOPE = "fx-held"
"""The idempotency scope of held exchanges' buy legs: no request header can name a key in
it, so nobody can claim a buy leg's key first and leave the sold money unmatched."""


def bought_request(quote_id: str, leg: TransferSpec) -> Request:
    """The ledger request that writes a held exchange's buy leg when the hold is approved,
    under a key a retry of the conversion finds it by (`bought_leg`)."""
    key = f"fx:{quote_id}:bought"
    return Request(Create((leg,)), key, BOUGHT_SCOPE, fingerprint("fx-bought", key))


def bought_leg(services: Services, quote_id: str) -> TransferRow | None:
    """A held exchange's buy leg, once its hold was approved; None before (or if the sold
    money was posted some other way, and nothing was bought)."""
    key = f"fx:{quote_id}:bought"
    earlier = services.ledger.replay(BOUGHT_SCOPE, key, fingerprint("fx-bought", key))
    if earlier is None or earlier.error is not None:
        return None
    return earlier.transfers[0]


def _conversion_of(services: Services, quote_id: str, result: Result) -> Conversion:
    """The conversion a (possibly replayed) ledger result made; its refusal is raised."""
    legs = result.unwrap()
    if len(legs) == 2:
        return Conversion(legs, None, result.replayed)
    held = holds.hold_for_transfer(services.db, legs[0].id)
    if held is None:
        raise InvalidState("this exchange has no hold; ask for a new quote", field="quote_id")
    # The stored answer shows the sell leg as it was then, pending: show it as it is now.
    sold = services.ledger.transfer(legs[0].id)
    bought = bought_leg(services, quote_id) if held.status == holds.APPROVED else None
    if bought is not None:
        return Conversion([sold, bought], None, result.replayed)
    return Conversion([sold], held, result.replayed)


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
