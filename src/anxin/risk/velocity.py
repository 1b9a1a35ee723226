"""Sliding-window counters: how many events, and how much money, per key in 1 min, 1 h, 24 h.

`VelocityStore` is the seam: the engine reads the windows for a handful of keys before
deciding and adds the event under them. `MemoryVelocityStore` keeps them in this process,
exactly. `RedisVelocityStore` (`velocity_redis`) keeps bucketed counters in Redis, shared by
every API worker; `open_velocity_store` picks one from `ANXIN_REDIS_URL`.

The engine uses `read_add`: the event recorded and the windows with it counted, in one
step, which for Redis is one round trip (and atomic, so two workers deciding at once never
both miss each other). Velocity does not depend on the decision, so nothing is lost by
recording it before the decision is taken.
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
WINDOWS: Final = (WINDOW_1M, WINDOW_1H, WINDOW_24H)
WINDOW_NAMES: Final = ("1m", "1h", "24h")
ZERO: Final = Decimal(0)

Stats = tuple[int, int, int, Decimal, Decimal, Decimal]
"""(count 1 min, count 1 h, count 24 h, amount 1 min, amount 1 h, amount 24 h)."""
EMPTY: Final[Stats] = (0, 0, 0, ZERO, ZERO, ZERO)


class VelocityStore(Protocol):
    """Windows per key at time `now` (UTC microseconds); `read` never counts the event being
    decided, `add` records it.

    A None key stands for an entity the event does not have (no device, say) and reads empty.
    `currency` is the currency of the amounts under these keys ('' for events without money:
    their amount is zero); a store that keeps integer minor units needs it.
    """

    def read(self, keys: Sequence[str | None], now: int, currency: str = "") -> list[Stats]: ...

    def add(
        self, keys: Sequence[str | None], now: int, amount: Decimal, currency: str = ""
    ) -> None: ...

    def read_add(
        self,
        keys: Sequence[str | None],
        now: int,
        amount: Decimal,
        currency: str,
        also: Sequence[str | None] = (),
    ) -> list[Stats]:
        """`add(keys)` and the windows of `keys` with the event counted (what the features
        call "this one included"), then those of `also` without it, as one step."""
        ...


def open_velocity_store(redis_url: str | None, *, prefix: str | None = None) -> VelocityStore:
    """The Redis store when a URL is given (`Settings.redis_url`), else the in-process one.

    `prefix` namespaces the Redis keys (default `anxin:velocity:`). The Redis client is
    imported only here, so a process without Redis never loads it.
    """
    if not redis_url:
        return MemoryVelocityStore()
    from anxin.risk.velocity_redis import DEFAULT_PREFIX, RedisVelocityStore

    return RedisVelocityStore.from_url(redis_url, prefix=prefix or DEFAULT_PREFIX)


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


class MemoryVelocityStore:
    """The in-process store: exact, single-process, forgets keys idle for more than 24 h."""

    SWEEP_EVERY: Final = 200_000

    def __init__(self) -> None:
        self._series: dict[str | None, _Series] = {}
        """Never holds None; typed so, `get` answers None for an absent entity's None key."""
        self._adds = 0

    def read(self, keys: Sequence[str | None], now: int, currency: str = "") -> list[Stats]:
        """Count and sum each key's entries in the three windows ending at `now`."""
        return _windows(list(map(self._series.get, keys)), now)

    def add(
        self, keys: Sequence[str | None], now: int, amount: Decimal, currency: str = ""
    ) -> None:
        self._append(keys, now, amount)

    def read_add(
        self,
        keys: Sequence[str | None],
        now: int,
        amount: Decimal,
        currency: str,
        also: Sequence[str | None] = (),
    ) -> list[Stats]:
        """`also` is read first, so it never counts the event even if it is one of `keys`."""
        before = _windows(list(map(self._series.get, also)), now) if also else []
        return _windows(self._append(keys, now, amount), now) + before

    def _append(
        self, keys: Sequence[str | None], now: int, amount: Decimal
    ) -> list[_Series | None]:
        """Add the event under each key; the keys' series (None for a None key)."""
        series_by_key = self._series
        found: list[_Series | None] = []
        for key in keys:
            if key is None:
                found.append(None)
                continue
            series = series_by_key.get(key)
            if series is None:
                series = series_by_key[key] = _Series()
            found.append(series)
            ts, cum = series.ts, series.cum
            if ts:
                last = ts[-1]
                ts.append(now if now >= last else last)  # a late event counts as of the newest
                total = cum[-1]
                cum.append(total + amount if amount else total)  # no Decimal sum for logins
            else:
                ts.append(now)
                cum.append(series.base + amount if amount else series.base)
        self._adds += 1
        if self._adds % self.SWEEP_EVERY == 0:
            self._sweep(now)
        return found

    def _sweep(self, now: int) -> None:
        """Drop keys whose newest event left the 24 h window, so memory tracks active keys."""
        cutoff = now - WINDOW_24H
        idle = [key for key, series in self._series.items() if series.ts[-1] <= cutoff]
        for key in idle:
            del self._series[key]


def _windows(found: list[_Series | None], now: int) -> list[Stats]:
    """Each series' counts and sums in the three windows ending at `now` (EMPTY for None)."""
    out: list[Stats] = []
    c0, c1, c2 = now - WINDOW_1M, now - WINDOW_1H, now - WINDOW_24H
    for series in found:
        if series is None:
            out.append(EMPTY)
            continue
        ts = series.ts
        n = len(ts)
        i2 = bisect_right(ts, c2)
        if i2 == n:
            out.append(EMPTY)
            continue
        i1 = bisect_right(ts, c1, i2)
        i0 = bisect_right(ts, c0, i1)
        cum, base = series.cum, series.base
        top = cum[-1]
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
