"""The sandbox biller gateway: behaves like the real billers, and says it is a sandbox.

Bills are deterministic from the account number and the period, so a test, a demo and a
developer see the same bill for the same account: issued on the 1st of each month, due on
the biller's due day, with a daily late fee after it. Amounts follow the shape of real
mainland tariffs (tiered electricity, per-m³ water and gas, flat plans, per-m² property and
heating fees). Payments are checked as a biller would check them (right bill, right amount
including any late fee, not already paid) and are idempotent by Anxin's reference.

Tests make it decline or time out with `fail_next`. Account numbers ending in 0000 do not
exist here. What it remembers (receipts, paid bills) lasts as long as the process.
"""

from __future__ import annotations

import hashlib
import threading
from collections import defaultdict, deque
from datetime import date
from decimal import Decimal
from typing import Literal

from anxin.core.errors import AnxinError, NotFound
from anxin.core.money import Money
from anxin.payments.bills.connector import AccountHolder, BillerOrder, BillerReceipt, IssuedBill
from anxin.payments.bills.registry import BILLERS, BillerInfo
from anxin.payments.bills.rules import (
    check_topup_amount,
    due_date,
    first_day,
    late_fee,
    local_today,
    period_of,
    periods_between,
)

Fault = Literal["decline", "timeout"]

_PREFIX = {"electricity": "EL", "water": "WA", "gas": "GA", "mobile": "MO",
           "broadband": "BB", "property": "PR", "heating": "HT"}  # fmt: skip
_SURNAMES = "王李张刘陈杨赵黄周吴"
_WINTER = (11, 12, 1, 2, 3)
# Residential tiered electricity (阶梯电价), per kWh, by monthly consumption.
_POWER_TIERS = ((200, Decimal("0.4883")), (400, Decimal("0.5383")), (None, Decimal("0.7883")))
_CENT = Decimal("0.01")


def _seed(*parts: str) -> int:
    digest = hashlib.sha256("|".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _power_cost(kwh: int) -> Decimal:
    cost, lower = Decimal(0), 0
    for upper, price in _POWER_TIERS:
        top = kwh if upper is None else min(kwh, upper)
        if top > lower:
            cost += (top - lower) * price
        lower = upper or lower
    return cost


def _charge(info: BillerInfo, account_number: str, period: str) -> tuple[Decimal, str] | None:
    """This month's charge and what it is for; None when the biller bills nothing this month."""
    month, seed = int(period[5:]), _seed(info.code, account_number, period)
    home = _seed(info.code, account_number)  # per account: plan, floor area
    area = 60 + home % 81
    if info.code == "electricity":
        kwh = 120 + seed % 260
        kwh = kwh * 3 // 2 if month in (7, 8) else kwh * 13 // 10 if month in (12, 1, 2) else kwh
        return _power_cost(kwh), f"{kwh} kWh"
    if info.code == "water":
        cubic = 4 + seed % 12
        return cubic * Decimal("5.00"), f"{cubic} m³"
    if info.code == "gas":
        cubic = 8 + seed % 25
        cubic = cubic * 5 // 2 if month in _WINTER else cubic
        return cubic * Decimal("2.61"), f"{cubic} m³"
    if info.code == "mobile":
        plan = (38, 58, 88, 128, 158)[home % 5]
        extra = Decimal(seed % 3000) / 100 if seed % 3 == 0 else Decimal(0)
        return plan + extra, f"¥{plan} plan" + (f" + ¥{extra} extra data" if extra else "")
    if info.code == "broadband":
        plan = (99, 129, 199)[home % 3]
        return Decimal(plan), f"¥{plan}/month plan"
    if info.code == "property":
        return area * Decimal("2.50"), f"{area} m² at ¥2.50/m²"
    if month != 11:  # heating is billed once, for the season, in November
        return None
    return area * Decimal("30.00"), f"{area} m² at ¥30.00/m² for the heating season"


def sandbox_bill(info: BillerInfo, account_number: str, period: str) -> IssuedBill | None:
    """The sandbox's bill for one account and period (pure and deterministic)."""
    charge = _charge(info, account_number, period)
    if charge is None:
        return None
    amount, detail = charge
    number = f"{_PREFIX[info.code]}{period.replace('-', '')}"
    number += f"{_seed(info.code, account_number, period, 'no'):016X}"[:10]
    return IssuedBill(
        biller=info.code,
        account_number=account_number,
        period=period,
        bill_number=number,
        amount=Money(amount.quantize(_CENT), "CNY").to_minor(),
        currency="CNY",
        issued_on=first_day(period),
        due_on=due_date(info, period),
        late_fee_bp_per_day=info.late_fee_bp_per_day,
        detail=detail,
    )


class SandboxBillers:
    """Every biller at once, simulated; safe to share between threads."""

    description = "SANDBOX: bills and payments are simulated by Anxin; no real biller is contacted"
    sandbox = True

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: dict[str, deque[Fault]] = defaultdict(deque)
        self._receipts: dict[str, BillerReceipt] = {}
        self._paid: dict[str, str] = {}  # bill number -> reference that paid it

    def fail_next(self, biller: str, fault: Fault, times: int = 1) -> None:
        """Make the next `times` payments to `biller` be declined or time out."""
        with self._lock:
            self._faults[biller].extend([fault] * times)

    def find_account(self, biller: str, account_number: str) -> AccountHolder:
        if account_number.endswith("0000"):
            raise NotFound(
                f"the {biller} company has no account {account_number} "
                "(sandbox: numbers ending in 0000 do not exist)",
                field="account_number",
            )
        home = _seed(biller, account_number)
        return AccountHolder(biller, account_number, f"{_SURNAMES[home % 10]}*")

    def issued_bills(
        self, biller: str, account_number: str, since: date, until: date
    ) -> list[IssuedBill]:
        info = BILLERS[biller]
        found = (
            sandbox_bill(info, account_number, period)
            for period in periods_between(period_of(since), period_of(until))
        )
        return [b for b in found if b is not None and since <= b.issued_on <= until]

    def pay(self, order: BillerOrder) -> BillerReceipt:
        with self._lock:
            if order.reference in self._receipts:
                return self._receipts[order.reference]
            faults = self._faults[order.biller]
            fault = faults.popleft() if faults else None
            if fault == "timeout":
                raise TimeoutError(
                    f"sandbox: the {order.biller} company did not answer (simulated timeout)"
                )
            if fault == "decline":
                receipt = BillerReceipt(
                    False, order.reference, None, "sandbox: declined as configured"
                )
            else:
                receipt = self._decide(order)
            self._receipts[order.reference] = receipt
            return receipt

    def _decide(self, order: BillerOrder) -> BillerReceipt:
        def declined(reason: str) -> BillerReceipt:
            return BillerReceipt(False, order.reference, None, reason)

        info = BILLERS.get(order.biller)
        if info is None or not info.account_pattern.fullmatch(order.account_number):
            return declined("no such account")
        if order.currency != "CNY":
            return declined("this biller only takes CNY")
        if order.bill_number is None:
            if info.code != "mobile":
                return declined("only mobile numbers can be topped up")
            try:
                check_topup_amount(Money.from_minor(order.amount, "CNY"))
            except AnxinError as error:
                return declined(error.detail)
        else:
            bill = sandbox_bill(info, order.account_number, order.period or "")
            if bill is None or bill.bill_number != order.bill_number:
                return declined("no such bill")
            if order.bill_number in self._paid:
                return declined("this bill has already been paid")
            on = local_today(order.requested_at)
            due = bill.amount + late_fee(bill.amount, bill.due_on, on, bill.late_fee_bp_per_day)
            if order.amount != due:
                return declined(f"the amount due is {Money.from_minor(due, 'CNY')} CNY")
            self._paid[order.bill_number] = order.reference
        tag = hashlib.sha256(order.reference.encode()).hexdigest()[:12].upper()
        return BillerReceipt(True, order.reference, f"SANDBOX-{_PREFIX[info.code]}-{tag}")
