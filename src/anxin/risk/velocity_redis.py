"""Velocity counters in Redis, shared by every API worker: bucketed sliding windows.

Each velocity key is one Redis hash, `<prefix><key>`, of counters per time bucket: 1-second
buckets for the 1-minute window, 1-minute buckets for the hour, 15-minute buckets for the
day (g = 1, 2, 3). Field `c<g>:<bucket>` counts the bucket's events and `a<g>:<bucket>` sums
their amounts in integer minor units of the key's currency; `n<g>` and `s<g>` are running
totals over the buckets held and `k<g>` lists those buckets, oldest first. A window's
answer is its running total once the buckets that left the window since the last call are
subtracted and deleted: a few hash operations, however busy the key, and a key never holds
more than 60 + 60 + 96 buckets.

The approximation: a window of length W at `now` counts the buckets that start after
`now - W`. Every event of the last `W - bucket` is counted and none older than W; those in
between (the oldest, partly expired bucket: under 1 s of the minute, 1 min of the hour,
15 min of the day) are left out. When event times fall on the bucket grid the answers are
exactly the in-process store's.

One Lua script per event (EVALSHA: one round trip, run atomically by Redis) reads every
key's windows, then adds the event and renews the key's time-to-live (25 h, so a key idle
for a day disappears by itself). Atomic, so two workers deciding at once each see the other
or not at all, never half of it. Redis being unreachable is an error for the caller (the
payment path decides whether to fail open or closed), not something papered over here.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any, Final

import redis

from anxin.core.money import minor_units
from anxin.risk.velocity import EMPTY, WINDOWS, ZERO, Stats

DEFAULT_PREFIX: Final = "anxin:velocity:"
BUCKETS: Final = (1_000_000, 60_000_000, 900_000_000)
"""Bucket sizes in microseconds for the 1 min, 1 h and 24 h windows."""
TTL_MS: Final = 25 * 3600 * 1000

_SCRIPT: Final = """
-- KEYS: one hash per velocity key. Every key is read (and pruned) first, then the event is
-- added to the first ARGV[1] of them. ARGV: adds, ttl (ms), amount (minor units), the
-- current bucket for each size (3), the oldest bucket inside each window (3).
local adds, amount = tonumber(ARGV[1]), tonumber(ARGV[3])
local current = {ARGV[4], ARGV[5], ARGV[6]}
local first = {tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])}
local FIELDS = {'n1', 'n2', 'n3', 's1', 's2', 's3', 'k1', 'k2', 'k3'}
for g = 1, 3 do
  FIELDS[9 + g] = 'c' .. g .. ':' .. current[g]
  FIELDS[12 + g] = 'a' .. g .. ':' .. current[g]
end

local function int(x)
  return string.format('%d', x)
end

-- Subtract and delete the buckets that left their window (the oldest of `k`, the held
-- buckets in ascending order); the key's state afterwards.
local function prune(key, row)
  local st = {}
  for g = 1, 3 do
    local n, s, k = tonumber(row[g]) or 0, tonumber(row[3 + g]) or 0, row[6 + g] or ''
    local pos, names = 1, {}
    while pos <= #k do
      local stop = string.find(k, ' ', pos, true) or #k + 1
      local bucket = string.sub(k, pos, stop - 1)
      if tonumber(bucket) >= first[g] then break end
      names[#names + 1] = 'c' .. g .. ':' .. bucket
      names[#names + 1] = 'a' .. g .. ':' .. bucket
      pos = stop + 1
    end
    if #names > 0 then
      local got = redis.call('HMGET', key, unpack(names))
      for j = 1, #names, 2 do
        n = n - (tonumber(got[j]) or 0)
        s = s - (tonumber(got[j + 1]) or 0)
      end
      redis.call('HDEL', key, unpack(names))
      k = string.sub(k, pos)
      st.changed = true
    end
    st[g], st[3 + g], st[6 + g] = n, s, k
    st[9 + g], st[12 + g] = tonumber(row[9 + g]) or 0, tonumber(row[12 + g]) or 0
  end
  return st
end

-- Write back each granularity's totals and held buckets (an empty one's fields go).
local function save(key, st)
  local set, gone = {}, {}
  for g = 1, 3 do
    if st[6 + g] ~= '' then
      set[#set + 1] = FIELDS[g]
      set[#set + 1] = int(st[g])
      set[#set + 1] = FIELDS[3 + g]
      set[#set + 1] = int(st[3 + g])
      set[#set + 1] = FIELDS[6 + g]
      set[#set + 1] = st[6 + g]
    else
      gone[#gone + 1] = FIELDS[g]
      gone[#gone + 1] = FIELDS[3 + g]
      gone[#gone + 1] = FIELDS[6 + g]
    end
  end
  if #set > 0 then redis.call('HSET', key, unpack(set)) end
  if #gone > 0 then redis.call('HDEL', key, unpack(gone)) end
end

-- `k` with `bucket` in its place: appended in the usual case, sorted in for a late event.
local function hold(k, bucket)
  if k == '' then return bucket end
  local last = string.match(k, '[^ ]+$')
  if last == bucket then return k end
  if tonumber(bucket) > tonumber(last) then return k .. ' ' .. bucket end
  local held = {}
  for b in string.gmatch(k, '[^ ]+') do
    if b == bucket then return k end
    held[#held + 1] = b
  end
  held[#held + 1] = bucket
  table.sort(held, function(x, y) return tonumber(x) < tonumber(y) end)
  return table.concat(held, ' ')
end

local states, out = {}, {}
for i, key in ipairs(KEYS) do
  local st = states[key]
  if not st then
    st = prune(key, redis.call('HMGET', key, unpack(FIELDS)))
    states[key] = st
    if st.changed and i > adds then save(key, st) end
  end
  for j = 1, 6 do out[#out + 1] = st[j] end
end
for i = 1, adds do
  local key, st = KEYS[i], states[KEYS[i]]
  local buckets = {}
  for g = 1, 3 do
    st[g] = st[g] + 1
    st[3 + g] = st[3 + g] + amount
    st[6 + g] = hold(st[6 + g], current[g])
    buckets[#buckets + 1] = FIELDS[9 + g]
    buckets[#buckets + 1] = int(st[9 + g] + 1)
    if amount > 0 then
      buckets[#buckets + 1] = FIELDS[12 + g]
      buckets[#buckets + 1] = int(st[12 + g] + amount)
    end
  end
  save(key, st)
  redis.call('HSET', key, unpack(buckets))
  redis.call('PEXPIRE', key, ARGV[2])
end
return out
"""


class RedisVelocityStore:
    """The `VelocityStore` for several processes; see the module docstring for the layout."""

    def __init__(self, client: redis.Redis, *, prefix: str = DEFAULT_PREFIX) -> None:
        self.client = client
        self.prefix = prefix
        self._script = client.register_script(_SCRIPT)

    @classmethod
    def from_url(cls, url: str, *, prefix: str = DEFAULT_PREFIX) -> RedisVelocityStore:
        return cls(redis.Redis.from_url(url), prefix=prefix)

    def read(self, keys: Sequence[str | None], now: int, currency: str = "") -> list[Stats]:
        return self._run(keys, 0, now, ZERO, currency)

    def add(
        self, keys: Sequence[str | None], now: int, amount: Decimal, currency: str = ""
    ) -> None:
        self._run(keys, len(keys), now, amount, currency)

    def read_add(
        self,
        keys: Sequence[str | None],
        now: int,
        amount: Decimal,
        currency: str,
        also: Sequence[str | None] = (),
    ) -> list[Stats]:
        return self._run([*keys, *also], len(keys), now, amount, currency, counted=True)

    def _run(
        self,
        keys: Sequence[str | None],
        adds: int,
        now: int,
        amount: Decimal,
        currency: str,
        *,
        counted: bool = False,
    ) -> list[Stats]:
        """One script call: windows for every non-None key (as they were before the event),
        the event added to the present ones among the first `adds`. With `counted`, their
        windows are given with the event counted."""
        digits = minor_units(currency) if currency else 0
        units = _minor(amount, digits, currency)
        present = [(index, key) for index, key in enumerate(keys) if key is not None]
        if not present:
            return [EMPTY] * len(keys)
        args: list[int] = [sum(1 for index, _ in present if index < adds), TTL_MS, units]
        args += [now // size for size in BUCKETS]
        args += [(now - window) // size + 1 for size, window in zip(BUCKETS, WINDOWS, strict=True)]
        names = [self.prefix + key for _, key in present]
        flat: list[int] = self._script(keys=names, args=args)
        out = [EMPTY] * len(keys)
        for slot, (index, _) in enumerate(present):
            c0, c1, c2, a0, a1, a2 = flat[6 * slot : 6 * slot + 6]
            if counted and index < adds:
                c0, c1, c2, a0, a1, a2 = c0 + 1, c1 + 1, c2 + 1, a0 + units, a1 + units, a2 + units
            out[index] = (c0, c1, c2, _amount(a0, digits), _amount(a1, digits), _amount(a2, digits))
        return out

    def clear(self) -> int:
        """Delete every key under this store's prefix (a replay's or a test's namespace)."""
        deleted = 0
        for batch in _batches(self.client.scan_iter(match=_glob(self.prefix) + "*", count=500)):
            deleted += int(self.client.unlink(*batch))
        return deleted

    def close(self) -> None:
        self.client.close()


def _minor(amount: Decimal, digits: int, currency: str) -> int:
    """The amount in integer minor units; refuses what they cannot hold exactly."""
    if not amount:
        return 0
    scaled = amount.scaleb(digits)
    units = int(scaled)
    if not currency or units != scaled or units < 0:
        raise ValueError(f"not a positive amount in {currency or 'no currency'}: {amount}")
    return units


def _amount(units: int, digits: int) -> Decimal:
    return Decimal(units).scaleb(-digits) if units else ZERO


def _glob(prefix: str) -> str:
    """`prefix` with Redis glob characters escaped, so it matches only itself."""
    return "".join("\\" + char if char in "*?[]\\" else char for char in prefix)


def _batches(names: Iterator[Any], size: int = 500) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for name in names:
        batch.append(name)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
