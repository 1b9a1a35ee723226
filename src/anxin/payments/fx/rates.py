"""Where mid rates come from. The built-in source is a sandbox with fixed rates."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar, Protocol

from anxin.core.errors import InvalidInput


class RateSource(Protocol):
    name: str

    def mid_rate(self, sell: str, buy: str) -> Decimal: ...


class SandboxRates:
    """Fixed mid rates against CNY (roughly late-2026 levels). A sandbox: not market data."""

    name = "sandbox (fixed rates, not market data)"
    PER_CNY: ClassVar[dict[str, Decimal]] = {
        "CNY": Decimal("1"), "USD": Decimal("0.1380"), "EUR": Decimal("0.1300"),
        "GBP": Decimal("0.1100"), "JPY": Decimal("21.20"), "HKD": Decimal("1.0780"),
        "THB": Decimal("4.950"), "SGD": Decimal("0.1850"), "KRW": Decimal("192.5"),
    }  # fmt: skip

    def mid_rate(self, sell: str, buy: str) -> Decimal:
        for currency, field in ((sell, "sell_currency"), (buy, "buy_currency")):
            if currency not in self.PER_CNY:
                raise InvalidInput(f"no exchange rate for {currency}", field=field)
        return self.PER_CNY[buy] / self.PER_CNY[sell]
