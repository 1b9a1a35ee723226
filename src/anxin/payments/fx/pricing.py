"""FX pricing: pure arithmetic from a mid rate and a spread to what the customer gets.

The customer's rate is the mid rate less the spread; what they receive is rounded down to
the target currency's minor unit (the house never pays out a fraction it does not have),
and the difference from a conversion at the mid rate is shown as the fee.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_UP, Decimal

from anxin.core.errors import InvalidInput
from anxin.core.money import Money, minor_units

RATE_PLACES = Decimal("0.00000001")


@dataclass(frozen=True, slots=True)
class Price:
    sell: Money
    buy: Money
    mid_rate: Decimal
    rate: Decimal
    fee: Money  # in the currency bought: what the spread costs the customer


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(currency))


def price(sell: Money, buy_currency: str, mid_rate: Decimal, spread: Decimal) -> Price:
    if sell.currency == buy_currency:
        raise InvalidInput("choose two different currencies", field="buy_currency")
    if sell.amount <= 0:
        raise InvalidInput("amount must be greater than zero", field="amount")
    if not Decimal(0) <= spread < Decimal(1) or mid_rate <= 0:
        raise ValueError(f"bad rate {mid_rate} or spread {spread}")
    rate = (mid_rate * (1 - spread)).quantize(RATE_PLACES, rounding=ROUND_DOWN)
    bought = (sell.amount * rate).quantize(quantum(buy_currency), rounding=ROUND_DOWN)
    if bought <= 0:
        raise InvalidInput(
            f"{sell} {sell.currency} is too little to buy any {buy_currency}", field="amount"
        )
    fair = sell.amount * mid_rate
    fee = (fair - bought).quantize(quantum(buy_currency), rounding=ROUND_UP)
    return Price(sell, Money(bought, buy_currency), mid_rate, rate, Money(fee, buy_currency))
