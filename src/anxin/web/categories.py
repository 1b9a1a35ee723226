"""Spending categories: what a statement line was for, from the metadata its payment wrote.

Pure: each payment service tags its transfers with `meta["type"]` (p2p, bill, topup,
withdrawal, fee, fx, merchant_payment, merchant_refund, salary-split) and bills add the
`biller`. A category is a message key's last part (`category.<name>`).
"""

from __future__ import annotations

from typing import Any

TRANSFER, UTILITIES, TELECOM, HOUSING = "transfer", "utilities", "telecom", "housing"
SHOPPING, FX, CASH, FEES, SAVINGS, OTHER = "shopping", "fx", "cash", "fees", "savings", "other"

CATEGORIES: tuple[str, ...] = (
    TRANSFER, UTILITIES, TELECOM, HOUSING, SHOPPING, FX, CASH, FEES, SAVINGS, OTHER,
)  # fmt: skip
"""In the order the chart's legend lists them."""

BILLER_CATEGORY = {
    "electricity": UTILITIES, "water": UTILITIES, "gas": UTILITIES, "heating": UTILITIES,
    "mobile": TELECOM, "broadband": TELECOM, "property": HOUSING,
}  # fmt: skip

TYPE_CATEGORY = {
    "p2p": TRANSFER, "merchant_payment": SHOPPING, "merchant_refund": SHOPPING, "fx": FX,
    "withdrawal": CASH, "fee": FEES, "salary-split": SAVINGS,
}  # fmt: skip


def category(kind: str | None, biller: str | None = None) -> str:
    """The category of a payment of type `kind` (and `biller`, for bills and phone top-ups).

    A `topup` with a biller is a phone top-up (话费); without one it is money in from a bank.
    """
    if biller is not None:
        return BILLER_CATEGORY.get(biller, OTHER)
    if kind == "topup":
        return CASH
    return TYPE_CATEGORY.get(kind or "", OTHER)


def category_of(meta: dict[str, Any] | None) -> str:
    """`category` read from a transfer's metadata."""
    meta = meta or {}
    biller = meta.get("biller")
    return category(meta.get("type"), biller if isinstance(biller, str) else None)
