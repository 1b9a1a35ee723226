"""Daily settlement: pay each merchant's takings of a day to its bank card, T+1.

What a merchant may be paid for day D is what it still holds of the money that arrived by
the end of D: its available balance less the net of trades after D (those are the next
day's). Refunds after D that exceed the new takings only shrink the available balance, so
the amount is clamped to it. A day is settled once per merchant (unique row, ledger
idempotency key); a declined payout returns the money, and the next day's settlement, which
starts from the balance, pays it again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, and_, case, func, insert, select
from sqlalchemy.exc import IntegrityError

from anxin.api.services import Services
from anxin.core.clock import isoformat, to_micros
from anxin.core.errors import InvalidInput
from anxin.core.ids import new_id
from anxin.core.money import Money, format_minor
from anxin.ledger.service import fingerprint
from anxin.payments.banks import tables as bt
from anxin.payments.banks.cards import VERIFIED
from anxin.payments.banks.orders import PAYOUT, OrderPlan, order_request, place_order_now
from anxin.payments.banks.periods import business_day, day_bounds
from anxin.payments.merchants import tables as t
from anxin.payments.merchants.tables import PAYMENT

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Position:
    """One merchant's standing when day `day` is settled; amounts in minor units."""

    merchant_id: str
    available: int
    later_net: int  # payments minus refunds after the day ended


def settlement_amount(position: Position) -> int:
    """What may be paid out for the day: never negative, never more than is available."""
    return max(0, min(position.available, position.available - position.later_net))


def plan_settlements(positions: list[Position]) -> dict[str, int]:
    """Amounts to pay by merchant; merchants with nothing to pay get 0 (the day is closed)."""
    return {p.merchant_id: settlement_amount(p) for p in positions}


def settle_day(services: Services, day: date) -> list[dict[str, Any]]:
    """Settle every merchant with a verified payout card that has not been settled for `day`."""
    end = day_bounds(day)[1]
    if end > to_micros(services.clock.now()):
        raise InvalidInput(f"{day} has not ended yet; only past days are settled", field="day")
    with services.db.read() as conn:
        due = _unsettled(conn, day.isoformat(), services.bank.code)
        later = _net_since(conn, [m["id"] for m in due], end)
    positions = []
    for shop in due:
        account = services.ledger.account(shop["account_id"])
        available = account["credits_posted"] - account["debits_posted"] - account["debits_pending"]
        positions.append(Position(shop["id"], available, later.get(shop["id"], 0)))
    amounts = plan_settlements(positions)
    settled = []
    for shop in due:
        try:
            settled.append(_settle(services, shop, day, amounts[shop["id"]]))
        except IntegrityError:
            log.info("merchant %s day %s was settled concurrently", shop["id"], day)
        except Exception:
            log.exception("settling merchant %s for %s failed; will retry", shop["id"], day)
    return settled


def settle_yesterday(services: Services) -> list[dict[str, Any]]:
    """The background job: settle the business day that ended last."""
    return settle_day(services, business_day(services.clock.now()) - timedelta(days=1))


def _settle(services: Services, shop: dict[str, Any], day: date, amount: int) -> dict[str, Any]:
    now = to_micros(services.clock.now())
    row = {
        "id": new_id(), "merchant_id": shop["id"], "day": day.isoformat(), "amount": amount,
        "currency": shop["currency"], "order_id": None, "created_at": now,
    }  # fmt: skip
    if amount == 0:
        with services.db.write() as conn:
            conn.execute(insert(t.settlements), row)
        return row

    def record(conn: Connection, order: dict[str, Any]) -> None:
        row["order_id"] = order["id"]
        conn.execute(insert(t.settlements), row)

    plan = OrderPlan(
        PAYOUT, shop["owner_id"], shop["card"], shop["account_id"],
        Money.from_minor(amount, shop["currency"]),
        meta={"merchant_id": shop["id"], "day": day.isoformat()},
    )  # fmt: skip
    key = f"settlement:{shop['id']}:{day.isoformat()}"
    request = order_request(services, plan, key=key, scope="merchants",
                            fingerprint_=fingerprint("settlement", key), also=record)  # fmt: skip
    order, _ = place_order_now(services, request)
    return {**row, "order_id": order["id"]}


def _unsettled(conn: Connection, day: str, bank: str) -> list[dict[str, Any]]:
    m, s, card = t.merchants.c, t.settlements.c, bt.cards.c
    query = (
        select(t.merchants, card.id.label("card_id"))
        .join(bt.cards, card.id == m.payout_card_id)
        .outerjoin(t.settlements, and_(s.merchant_id == m.id, s.day == day))
        .where(card.status == VERIFIED, card.bank == bank, s.id.is_(None))
        .order_by(m.id)
    )
    due = []
    for row in conn.execute(query):
        shop = row._asdict()
        shop["card"] = {"id": shop["card_id"]}
        due.append(shop)
    return due


def _net_since(conn: Connection, merchant_ids: list[str], since: int) -> dict[str, int]:
    if not merchant_ids:
        return {}
    c = t.trades.c
    signed = case((c.kind == PAYMENT, c.amount), else_=-c.amount)
    query = (
        select(c.merchant_id, func.sum(signed))
        .where(c.merchant_id.in_(merchant_ids), c.created_at >= since)
        .group_by(c.merchant_id)
    )
    return {row[0]: int(row[1]) for row in conn.execute(query)}


def settlements_of(services: Services, merchant_id: str) -> list[dict[str, Any]]:
    """A merchant's settlements, newest day first, with the bank order's status."""
    s, o = t.settlements.c, bt.orders.c
    query = (
        select(t.settlements, o.status, o.reason)
        .outerjoin(bt.orders, o.id == s.order_id)
        .where(s.merchant_id == merchant_id)
        .order_by(s.day.desc())
    )
    with services.db.read() as conn:
        return [row._asdict() for row in conn.execute(query)]


def settlement_json(row: dict[str, Any]) -> dict[str, Any]:
    cur = row["currency"]
    return {
        "id": row["id"],
        "day": row["day"],
        "amount": format_minor(row["amount"], cur),
        "currency": cur,
        "order_id": row["order_id"],
        "status": row["status"] or "nothing_to_settle",
        "reason": row["reason"],
        "created_at": isoformat(row["created_at"]),
    }
