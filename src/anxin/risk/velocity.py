"""Sliding-window counters: how many events, and how much money, per key in 1 min, 1 h, 24 h.

`VelocityStore` is the seam: the engine only reads the windows for a handful of keys before
deciding and adds the event after. `MemoryVelocityStore` keeps them in this process. A Redis
store for several API workers would keep per-key minute buckets (HINCRBY plus EXPIRE) and
answer `read` for all of an event's keys in one pipelined round trip; it is not built yet.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from decimal import Decimal
from typing import Final, Protocol

MICROS: Final = 1_000_000
WINDOW_1M: Final = 60 * MICROS
WINDOW_1H: Final = 3600 * MICROS
WINDOW_24H: Final = 86400 * MICROS
WINDOW_NAMES: Final = ("1m", "1h", "24h")
ZERO: Final = Decimal(0)

Stats = tuple[int, int, int, Decimal, Decimal, Decimal]
"""(count 1 min, count 1 h, count 24 h, amount 1 min, amount 1 h, amount 24 h)."""
EMPTY: Final[Stats] = (0, 0, 0, ZERO, ZERO, ZERO)


class VelocityStore(Protocol):
    """Windows per key; `read` never counts the event being decided, `add` records it.

    A None key stands for an entity the event does not have (no device, say) and reads empty.
    """

    def read(self, keys: Sequence[str | None], now: int) -> list[Stats]: ...

    def add(self, keys: Sequence[str | None], now: int, amount: Decimal) -> None: ...


class _Series:
    """One key's events: times in order and running (cumulative) amounts.

    A window's count is the number of times after its start (a binary search), its sum the
    difference of two running totals: reads are three C-level bisects, appends are one
    Decimal addition. Entries that left the 24 h window are dropped in bulk once they are
    most of the list, so memory follows the last day.
    """

    __slots__ = ("base", "cum", "ts")

    def __init__(self) -> None:
        self.ts: list[int] = []
        self.cum: list[Decimal] = []
        self.base = ZERO
        """The running total just before `cum[0]` (what the dropped entries added up to)."""

    def append(self, now: int, amount: Decimal) -> None:
        ts, cum = self.ts, self.cum
        if ts and now < ts[-1]:
            now = ts[-1]  # a late event counts as of the newest time, keeping `ts` sorted
        ts.append(now)
        total = cum[-1] if cum else self.base
        cum.append(total + amount if amount else total)  # no Decimal addition for logins


class MemoryVelocityStore:
    """The in-process store: exact, single-process, forgets keys idle for more than 24 h."""

    SWEEP_EVERY: Final = 200_000

    def __init__(self) -> None:
        self._series: dict[str, _Series] = {}
        self._adds = 0
        self._last: tuple[Sequence[str | None], list[_Series | None]] = ((), [])
        """The keys of the last `read` and the series found for them: the engine adds the
        event under the very keys it just read, so `add` can skip the lookups."""

    def read(self, keys: Sequence[str | None], now: int) -> list[Stats]:
        """Count and sum each key's entries in the three windows ending at `now`."""
        out: list[Stats] = []
        get = self._series.get
        found = [get(key) if key is not None else None for key in keys]
        self._last = (keys, found)
        c0, c1, c2 = now - WINDOW_1M, now - WINDOW_1H, now - WINDOW_24H
        for series in found:
            if series is None:
                out.append(EMPTY)
                continue
            ts, cum = series.ts, series.cum
            n = len(ts)
            i2 = bisect_right(ts, c2)
            if i2 == n:
                out.append(EMPTY)
                continue
            i1 = bisect_right(ts, c1, i2)
            i0 = bisect_right(ts, c0, i1)
            top, base = cum[-1], series.base
            if top is base:  # no money since `base` (logins, applications): sums are zero
                out.append((n - i0, n - i1, n - i2, ZERO, ZERO, ZERO))
            else:
                out.append(
                    (
                        n - i0,
                        n - i1,
                        n - i2,
                        top - (cum[i0 - 1] if i0 else base),
                        top - (cum[i1 - 1] if i1 else base),
                        top - (cum[i2 - 1] if i2 else base),
                    )
                )
            if i2 > 256 and 2 * i2 > n:
                series.base = cum[i2 - 1]
                del ts[:i2], cum[:i2]
        return out

    def add(self, keys: Sequence[str | None], now: int, amount: Decimal) -> None:
        series_by_key = self._series
        last_keys, found = self._last
        if keys is not last_keys:
            found = [series_by_key.get(key) if key is not None else None for key in keys]
        for key, existing in zip(keys, found, strict=True):
            if key is not None:
                series = (
                    existing if existing is not None else series_by_key.setdefault(key, _Series())
                )
                series.append(now, amount)
        self._adds += 1
        if self._adds % self.SWEEP_EVERY == 0:
            self._sweep(now)

    def _sweep(self, now: int) -> None:
        """Drop keys whose newest event left the 24 h window, so memory tracks active keys."""
        cutoff = now - WINDOW_24H
        idle = [key for key, series in self._series.items() if series.ts[-1] <= cutoff]
        for key in idle:
            del self._series[key]
