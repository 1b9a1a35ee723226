"""Withdrawal fees: a schedule read from `fees.yaml` and the pure arithmetic that applies it.

The fee is rounded up to the minor unit (the house never undercharges by a fraction) but a
customer never pays more than the stated rate on the charged part plus the stated minimum;
the schedule is refused at load time if its numbers could break that promise.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from importlib import resources
from typing import Any

import yaml

from anxin.core.errors import InvalidInput
from anxin.core.money import Money, check_currency, parse_decimal

SCHEDULE_FILE = "fees.yaml"


@dataclass(frozen=True, slots=True)
class FeeRule:
    """How withdrawals in one currency are charged; amounts in minor units."""

    currency: str
    monthly_free_allowance: int
    rate: Decimal
    minimum: int

    def describe(self) -> dict[str, str]:
        cur = self.currency
        return {
            "monthly_free_allowance": str(Money.from_minor(self.monthly_free_allowance, cur)),
            "rate": str(self.rate),
            "minimum": str(Money.from_minor(self.minimum, cur)),
        }


@dataclass(frozen=True, slots=True)
class Fee:
    """A withdrawal's fee and how it came about; all in minor units."""

    amount: int
    free_part: int
    charged_part: int
    fee: int

    @property
    def total(self) -> int:
        return self.amount + self.fee


def withdrawal_fee(rule: FeeRule, amount: int, used_this_month: int) -> Fee:
    """The fee for withdrawing `amount` when `used_this_month` was already withdrawn."""
    if amount <= 0 or used_this_month < 0:
        raise ValueError(f"bad amount {amount} or monthly usage {used_this_month}")
    free_left = max(0, rule.monthly_free_allowance - used_this_month)
    free_part = min(amount, free_left)
    charged = amount - free_part
    fee = 0
    if charged:
        by_rate = (Decimal(charged) * rule.rate).to_integral_value(rounding=ROUND_CEILING)
        fee = max(rule.minimum, int(by_rate))
    return Fee(amount, free_part, charged, fee)


def parse_schedule(text: str) -> dict[str, FeeRule]:
    """Withdrawal rules by currency from the YAML text; a doubtful schedule is refused."""
    data = yaml.safe_load(text)
    if not isinstance(data, dict) or not isinstance(data.get("withdrawal"), dict):
        raise ValueError(f"{SCHEDULE_FILE}: expected a 'withdrawal' mapping of currencies")
    rules: dict[str, FeeRule] = {}
    for currency, raw in data["withdrawal"].items():
        try:
            rules[currency] = _rule(check_currency(currency), raw)
        except InvalidInput as error:
            raise ValueError(f"{SCHEDULE_FILE}: {currency}: {error.detail}") from None
    return rules


def _rule(currency: str, raw: Any) -> FeeRule:
    if not isinstance(raw, dict) or set(raw) != {"monthly_free_allowance", "rate", "minimum"}:
        raise InvalidInput("give exactly monthly_free_allowance, rate and minimum")
    rule = FeeRule(
        currency=currency,
        monthly_free_allowance=Money.parse(raw["monthly_free_allowance"], currency).to_minor(),
        rate=parse_decimal(raw["rate"], "rate"),
        minimum=Money.parse(raw["minimum"], currency).to_minor(),
    )
    if rule.monthly_free_allowance < 0 or rule.minimum < 0 or not 0 <= rule.rate < 1:
        raise InvalidInput("allowance and minimum must not be negative, rate must be in [0, 1)")
    if rule.rate > 0 and rule.minimum < 1:
        raise InvalidInput("with a rate, the minimum must be at least one minor unit")
    return rule


@functools.cache
def schedule() -> dict[str, FeeRule]:
    """The schedule shipped with Anxin, read once per process."""
    text = resources.files(__package__).joinpath(SCHEDULE_FILE).read_text(encoding="utf-8")
    return parse_schedule(text)


def rule_for(currency: str) -> FeeRule:
    try:
        return schedule()[currency]
    except KeyError:
        raise InvalidInput(f"withdrawals in {currency} are not offered", field="currency") from None
