"""Signals: every named feature a rule or the model may use, computed incrementally.

`FEATURES` is the catalogue: a rule that names anything else is refused when it is loaded.
`FeatureState.extract` reads the state and returns the event's features without recording
the event; `observe` then records it (and the decision, for the feedback features). Keeping
the two apart is what lets shadow rule sets and backtests look at the very same features
the live decision saw.

Velocity counts and sums are per event type (logins with logins, payments with payments of
the same currency) and include the event itself. Money features are Decimal; statistics
over money (`amount_z`) are floats because they are ratios, not amounts.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import deque
from dataclasses import dataclass
from decimal import Decimal
from itertools import repeat
from operator import sub
from typing import Any, Final, Literal

from anxin.risk.events import Event
from anxin.risk.graph import NEUTRAL as NEUTRAL_GRAPH
from anxin.risk.graph import NEVER_MINUTES, GraphState
from anxin.risk.velocity import (
    EMPTY,
    WINDOW_NAMES,
    ZERO,
    MemoryVelocityStore,
    Stats,
    VelocityStore,
)

Kind = Literal["bool", "int", "float", "money", "text"]
Features = dict[str, Any]

MICROS: Final = 1_000_000
MINUTE: Final = 60 * MICROS
HOUR: Final = 3600 * MICROS
DAY: Final = 86_400 * MICROS
AMOUNT_HISTORY: Final = 50
"""Payments per user and currency kept for the median/MAD; enough for a stable median."""
MAD_EVERY: Final = 8
KNOWN_IPS: Final = 64
MIN_HOURS: Final = 20
"""Events a user needs before an hour of the day can be called odd for them."""
RARE_SHARE: Final = 0.03
"""Share of a user's events within an hour of this one below which the hour is rare."""
HABIT_DELAY: Final = 3600 * MICROS
"""Events join the hour-of-day habit only after an hour, so a burst at 3 am cannot make
3 am look usual for its own later events."""
EARTH_KM: Final = 6371.0088
KM_PER_DEGREE: Final = EARTH_KM * math.pi / 180


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    kind: Kind
    doc: str
    group: Literal["event", "velocity", "behaviour", "graph", "feedback"]


def _catalogue() -> dict[str, FeatureSpec]:
    spec: dict[str, FeatureSpec] = {
        "type": FeatureSpec("text", "event type: login, payment or application", "event"),
        "amount": FeatureSpec("money", "payment amount (0 for other events)", "event"),
        "currency": FeatureSpec("text", "payment currency ('' for other events)", "event"),
        "hour_local": FeatureSpec("int", "hour of day at the event's longitude", "event"),
    }
    entities = {"user": "this account", "device": "this device", "ip": "this IP"}
    entities["payee"] = "payments to this payee, from anyone"
    for entity, who in entities.items():
        for window in WINDOW_NAMES:
            spec[f"{entity}_count_{window}"] = FeatureSpec(
                "int", f"events of this type by {who} in {window}, this one included", "velocity"
            )
            spec[f"{entity}_amount_{window}"] = FeatureSpec(
                "money", f"amount paid by {who} in {window}, this one included", "velocity"
            )
    spec["new_payees_1h"] = FeatureSpec(
        "int", "payments to first-time payees by this account in 1 h", "velocity"
    )
    for name, kind, doc in (
        ("user_events", "int", "events seen for this account before this one"),
        ("account_age_days", "float", "days since this account's first event"),
        ("account_opened_days", "float", "days since this account's application (if seen)"),
        ("user_payments", "int", "past payments in the median (same currency, up to 50)"),
        ("user_median_amount", "money", "median of those payments"),
        ("amount_z", "float", "robust z-score of the amount: (x - median) / (1.4826 MAD)"),
        ("new_payee", "bool", "first payment from this account to this payee"),
        ("payee_payments", "int", "past payments from this account to this payee"),
        ("payee_age_days", "float", "days since the payee was first seen, as payee or account"),
        ("payee_opened_days", "float", "days since the payee account's application (if seen)"),
        ("payee_age_min", "float", "minutes since this account first paid this payee"),
        ("new_device", "bool", "first event of this account on this device"),
        ("device_age_min", "float", "minutes since this account first used this device (0: new)"),
        ("device_accounts", "int", "accounts ever seen on this device, this one included"),
        ("new_ip", "bool", "IP not among this account's recent IPs"),
        ("ip_age_min", "float", "minutes since this account first used this IP"),
        ("new_place", "bool", "first event of this account in this ~100 km cell"),
        ("km_from_last", "float", "km from this account's previous located event"),
        ("travel_speed_kmh", "float", "speed needed to get here from the previous location"),
        ("minutes_since_last", "float", "minutes since this account's previous event"),
        ("hour_rarity", "float", "0 = a usual hour for this account, 1 = never active then"),
        ("km_from_home", "float", "km from where this account is most often"),
        ("password_changed_min", "float", "minutes since the password was changed"),
    ):
        spec[name] = FeatureSpec(kind, doc, "behaviour")  # type: ignore[arg-type]
    for name, kind, doc in (
        ("linked_accounts", "int", "accounts linked through shared devices and phones"),
        ("linked_devices", "int", "devices in that linked group"),
        ("linked_applications_1h", "int", "applications from that group in 1 h"),
        ("ip_accounts_24h", "int", "distinct accounts on this IP in 24 h"),
        ("payee_senders_24h", "int", "distinct accounts that paid this payee in 24 h"),
        ("payee_linked_accounts", "int", "accounts linked to the payee (0: not an account)"),
        ("payee_linked_devices", "int", "devices linked to the payee"),
        ("inbound_senders_24h", "int", "distinct accounts that paid this account in 24 h"),
        ("inbound_amount_24h", "money", "amount this account received in 24 h"),
        ("minutes_since_inbound", "float", "minutes since this account last received money"),
        ("batch_flagged", "bool", "the last batch graph analysis flagged this account"),
        ("payee_batch_flagged", "bool", "the last batch graph analysis flagged the payee"),
    ):
        spec[name] = FeatureSpec(kind, doc, "graph")  # type: ignore[arg-type]
    for name, kind, doc in (
        ("device_blocks", "int", "blocked events from this device so far"),
        ("ip_blocks", "int", "blocked events from this IP so far"),
        ("ip_block_rate", "float", "share of this IP's events so far that were blocked"),
        ("payee_blocks", "int", "blocked payments to this payee so far"),
        ("minutes_since_user_block", "float", "minutes since this account was last blocked"),
    ):
        spec[name] = FeatureSpec(kind, doc, "feedback")  # type: ignore[arg-type]
    return spec


FEATURES: Final = _catalogue()
NEVER_DAYS: Final = NEVER_MINUTES / 1440
_TEMPLATE: Final[Features] = dict.fromkeys(
    (
        "type",
        "amount",
        "currency",
        "hour_local",
        "user_count_1m",
        "user_count_1h",
        "user_count_24h",
        "user_amount_1m",
        "user_amount_1h",
        "user_amount_24h",
        "device_count_1m",
        "device_count_1h",
        "device_count_24h",
        "device_amount_1m",
        "device_amount_1h",
        "device_amount_24h",
        "ip_count_1m",
        "ip_count_1h",
        "ip_count_24h",
        "ip_amount_1m",
        "ip_amount_1h",
        "ip_amount_24h",
        "payee_count_1m",
        "payee_count_1h",
        "payee_count_24h",
        "payee_amount_1m",
        "payee_amount_1h",
        "payee_amount_24h",
        "new_payees_1h",
        "user_events",
        "account_age_days",
        "account_opened_days",
        "user_payments",
        "user_median_amount",
        "amount_z",
        "new_payee",
        "payee_payments",
        "payee_age_min",
        "payee_age_days",
        "payee_opened_days",
        "new_device",
        "device_age_min",
        "device_accounts",
        "new_ip",
        "ip_age_min",
        "new_place",
        "km_from_last",
        "travel_speed_kmh",
        "minutes_since_last",
        "hour_rarity",
        "km_from_home",
        "password_changed_min",
        "inbound_amount_24h",
        "device_blocks",
        "ip_blocks",
        "ip_block_rate",
        "payee_blocks",
        "minutes_since_user_block",
        *NEUTRAL_GRAPH,
    )
)
"""Every feature, in the order `extract` fills them. `extract` copies this and assigns each
value: Python builds a dict literal of ~70 entries in chunks of 16 that are merged and
resized, which costs twice as much as filling a copy whose key table is already in place."""


class _Amounts:
    """A user's recent payments in one currency, with their median and MAD kept current.

    The median is exact after every payment (the amounts are kept sorted). The MAD needs a
    sort of all deviations, so once the history is long enough to be stable it is refreshed
    every `MAD_EVERY` payments rather than on each one.
    """

    __slots__ = ("floats", "mad", "median", "ordered", "recent", "stale")

    def __init__(self) -> None:
        self.recent: deque[Decimal] = deque()
        self.ordered: list[Decimal] = []
        self.floats: list[float] = []
        self.median = ZERO
        self.mad = 0.0
        self.stale = 0

    def add(self, amount: Decimal) -> None:
        ordered, floats = self.ordered, self.floats
        if len(self.recent) == AMOUNT_HISTORY:
            index = bisect_left(ordered, self.recent.popleft())
            del ordered[index], floats[index]
        self.recent.append(amount)
        index = bisect_left(ordered, amount)
        ordered.insert(index, amount)
        floats.insert(index, float(amount))
        n = len(ordered)
        mid = n // 2
        self.median = ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2
        self.stale += 1
        if n < 2 * MAD_EVERY or self.stale >= MAD_EVERY:
            self.stale = 0
            centre = float(self.median)
            deviations = sorted(map(abs, map(sub, floats, repeat(centre))))  # C loops
            self.mad = deviations[mid] if n % 2 else (deviations[mid - 1] + deviations[mid]) / 2

    def z(self, amount: Decimal) -> float:
        """Robust z-score; the MAD is floored so a user who always pays ¥30 is not infinite."""
        centre = float(self.median)
        spread = 1.4826 * max(self.mad, 0.1 * centre, 1.0)
        return (float(amount) - centre) / spread


class _User:
    __slots__ = (
        "amounts",
        "cells",
        "devices",
        "events",
        "first_ts",
        "home",
        "home_count",
        "hours",
        "hours_total",
        "ips",
        "last_block",
        "last_lat",
        "last_located",
        "last_lon",
        "last_ts",
        "new_payee_times",
        "password_changed_at",
        "payees",
        "recent_hours",
    )

    def __init__(self, ts: int) -> None:
        self.first_ts = ts
        self.last_ts = ts
        self.events = 0
        self.devices: dict[str, int] = {}
        self.ips: dict[str, int] = {}
        self.payees: dict[str, tuple[int, int]] = {}
        self.cells: dict[tuple[int, int], int] = {}
        self.home: tuple[float, float] | None = None
        self.home_count = 0
        self.hours = [0] * 24
        self.hours_total = 0
        self.recent_hours: deque[tuple[int, int]] = deque()
        self.last_lat: float | None = None
        self.last_lon: float | None = None
        self.last_located = 0
        self.amounts: dict[str, _Amounts] = {}
        self.password_changed_at: int | None = None
        self.last_block: int | None = None
        self.new_payee_times: deque[int] = deque()


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance; the flat-earth formula when both points are within ~200 km
    (error < 0.1 %, a third of the cost, and most consecutive events are that close)."""
    dlat, dlon = lat2 - lat1, lon2 - lon1
    if -2.0 < dlat < 2.0 and -2.0 < dlon < 2.0:
        x = dlon * math.cos(math.radians((lat1 + lat2) * 0.5))
        return KM_PER_DEGREE * math.sqrt(x * x + dlat * dlat)
    return haversine_km(lat1, lon1, lat2, lon2)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(a)))


def local_hour(ts: int, lon: float | None) -> int:
    """Solar hour at `lon` (15° per hour), so a traveller's 9 am abroad still reads 9 am."""
    offset = round(lon / 15) if lon is not None else 0
    return (ts // (3600 * MICROS) + offset) % 24


class FeatureState:
    """Everything the features remember; one per engine, carried from event to event.

    `use_graph=False` gives the rules-only baseline: graph features take their neutral value
    (an account linked to nothing) and the graph is not maintained.
    """

    def __init__(self, velocity: VelocityStore | None = None, *, use_graph: bool = True) -> None:
        self.velocity: VelocityStore = velocity if velocity is not None else MemoryVelocityStore()
        self.graph = GraphState() if use_graph else None
        self._users: dict[str, _User] = {}
        self._device_users: dict[str, set[str]] = {}
        self._first_seen: dict[str, int] = {}
        """When each account or payee id was first seen, in either role."""
        self._opened: dict[str, int] = {}
        """When each account applied: its opening, as far as the event stream shows it."""
        self._device_blocks: dict[str, int] = {}
        self._ip_blocks: dict[str, int] = {}
        self._ip_events: dict[str, int] = {}
        self._payee_blocks: dict[str, int] = {}
        self._recorded: Event | None = None
        """The event whose velocity `extract` already recorded."""

    def extract(self, event: Event, *, record: bool = False) -> Features:  # noqa: PLR0915
        """The event's features; reads the state, records nothing.

        With `record`, the event's velocity is recorded in the same step as it is read (one
        round trip to a Redis store), and `observe` then leaves it out: what the engine does.
        (One flat function: it is the hot path.)
        """
        _, kind, ts, user_id, device, ip, _, lon, money, payee, _, changed = event
        has_ip = ip is not None
        user = self._users.get(user_id)
        amount = money.amount if money is not None else ZERO
        currency = money.currency if money is not None else ""
        keys = _velocity_keys(event, currency)
        # What this account received: the windows of its own payee key, read beside its keys.
        also = ("p|" + user_id + "|payment|" + currency,) if money is not None else ()
        if record:  # the windows with this event counted
            windows = self.velocity.read_add(keys, ts, amount, currency, also)
            self._recorded = event
        else:
            windows = _counted(self.velocity.read([*keys, *also], ts, currency), keys, amount)
        u, d, i, p = windows[0], windows[1], windows[2], windows[3]
        inbound = windows[4] if also else EMPTY
        if keys[3] is None:  # not a payment: no payee key, the "window" is this event alone
            n = int(payee is not None)
            p = (n, n, n, amount, amount, amount)

        if lon is None and user is not None:
            lon = user.last_lon
        hour = local_hour(ts, lon)
        if user is None:
            user_events, age_days, since_last, rarity = 0, 0.0, NEVER_MINUTES, 0.0
            new_device, new_ip, new_place, new_payee = (
                device is not None,
                has_ip,
                False,
                True,
            )
            payee_payments = 0
            device_age = 0.0 if device is not None else NEVER_MINUTES
            ip_age = 0.0 if has_ip else NEVER_MINUTES
            payee_age = 0.0 if payee is not None else NEVER_MINUTES
            km, speed, from_home, history = 0.0, 0.0, 0.0, None
            password_at, last_block, new_payees = None, None, 0
        else:
            user_events = user.events
            age_days = (ts - user.first_ts) / DAY
            since_last = (ts - user.last_ts) / MINUTE
            rarity = _rarity(user.hours, user.hours_total, hour)
            first_on_device = user.devices.get(device) if device is not None else None
            new_device = device is not None and first_on_device is None
            device_age = (
                (ts - first_on_device) / MINUTE
                if first_on_device is not None
                else (0.0 if device is not None else NEVER_MINUTES)
            )
            first_on_ip = user.ips.get(ip) if ip is not None else None
            new_ip = has_ip and first_on_ip is None
            ip_age = (
                (ts - first_on_ip) / MINUTE
                if first_on_ip is not None
                else (0.0 if has_ip else NEVER_MINUTES)
            )
            paid = user.payees.get(payee) if payee is not None else None
            payee_payments = paid[1] if paid is not None else 0
            payee_age = (
                (ts - paid[0]) / MINUTE
                if paid is not None
                else (0.0 if payee is not None else NEVER_MINUTES)
            )
            new_payee = paid is None
            km, speed, new_place, from_home = _travel(user, event)
            history = user.amounts.get(currency)
            password_at, last_block = user.password_changed_at, user.last_block
            new_payees = 0
            hour_ago = ts - HOUR
            for at in user.new_payee_times:  # a handful at most: no generator frame
                if at > hour_ago:
                    new_payees += 1
        if changed is not None:
            password_at = changed
        new_payee = new_payee and payee is not None
        if history is not None and history.recent:
            user_payments, median, z = len(history.recent), history.median, history.z(amount)
        else:
            user_payments, median, z = 0, ZERO, 0.0

        ip_blocks = self._ip_blocks.get(ip, 0) if ip is not None else 0
        first_paid = self._first_seen.get(payee) if payee is not None else None
        opened = ts if kind == "application" else self._opened.get(user_id)
        payee_opened = self._opened.get(payee) if payee is not None else None
        never_paid = 0.0 if payee is not None else NEVER_DAYS
        sharing = self._device_users.get(device) if device is not None else None
        features = _TEMPLATE.copy()  # see _TEMPLATE: a literal this size costs twice as much
        features["type"] = kind
        features["amount"] = amount
        features["currency"] = currency
        features["hour_local"] = hour
        features["user_count_1m"] = u[0]
        features["user_count_1h"] = u[1]
        features["user_count_24h"] = u[2]
        features["user_amount_1m"] = u[3]
        features["user_amount_1h"] = u[4]
        features["user_amount_24h"] = u[5]
        features["device_count_1m"] = d[0]
        features["device_count_1h"] = d[1]
        features["device_count_24h"] = d[2]
        features["device_amount_1m"] = d[3]
        features["device_amount_1h"] = d[4]
        features["device_amount_24h"] = d[5]
        features["ip_count_1m"] = i[0]
        features["ip_count_1h"] = i[1]
        features["ip_count_24h"] = i[2]
        features["ip_amount_1m"] = i[3]
        features["ip_amount_1h"] = i[4]
        features["ip_amount_24h"] = i[5]
        features["payee_count_1m"] = p[0]
        features["payee_count_1h"] = p[1]
        features["payee_count_24h"] = p[2]
        features["payee_amount_1m"] = p[3]
        features["payee_amount_1h"] = p[4]
        features["payee_amount_24h"] = p[5]
        features["new_payees_1h"] = new_payees + new_payee
        features["user_events"] = user_events
        features["account_age_days"] = age_days
        features["account_opened_days"] = (ts - opened) / DAY if opened is not None else NEVER_DAYS
        features["user_payments"] = user_payments
        features["user_median_amount"] = median
        features["amount_z"] = z
        features["new_payee"] = new_payee
        features["payee_payments"] = payee_payments
        features["payee_age_min"] = payee_age
        features["payee_age_days"] = (
            (ts - first_paid) / DAY if first_paid is not None else never_paid
        )
        features["payee_opened_days"] = (
            (ts - payee_opened) / DAY if payee_opened is not None else NEVER_DAYS
        )
        features["new_device"] = new_device
        features["device_age_min"] = device_age
        features["device_accounts"] = (
            (len(sharing) + (user_id not in sharing))
            if sharing is not None
            else 1
            if device is not None
            else 0
        )
        features["new_ip"] = new_ip
        features["ip_age_min"] = ip_age
        features["new_place"] = new_place
        features["km_from_last"] = km
        features["travel_speed_kmh"] = speed
        features["minutes_since_last"] = since_last
        features["hour_rarity"] = rarity
        features["km_from_home"] = from_home
        features["password_changed_min"] = (
            max(0.0, (ts - password_at) / MINUTE) if password_at is not None else NEVER_MINUTES
        )
        features["inbound_amount_24h"] = inbound[5]
        features["device_blocks"] = self._device_blocks.get(device, 0) if device is not None else 0
        features["ip_blocks"] = ip_blocks
        features["ip_block_rate"] = (
            ip_blocks / self._ip_events[ip] if ip_blocks and ip is not None else 0.0
        )
        features["payee_blocks"] = self._payee_blocks.get(payee, 0) if payee is not None else 0
        features["minutes_since_user_block"] = (
            (ts - last_block) / MINUTE if last_block is not None else NEVER_MINUTES
        )
        if self.graph is None:
            features.update(NEUTRAL_GRAPH)
        else:
            self.graph.read(event, features)
        return features

    def observe(self, event: Event, features: Features, decision: str) -> None:  # noqa: PLR0915
        """Record the event (and the decision taken on it) into the state."""
        # One unpacking instead of ~30 attribute lookups on the NamedTuple.
        _, kind, ts, user_id, device, ip, lat, lon, money, payee, _, changed = event
        amount = money.amount if money is not None else ZERO
        if self._recorded is not event:
            currency = money.currency if money is not None else ""
            self.velocity.add(_velocity_keys(event, currency), ts, amount, currency)
        user = self._users.get(user_id)
        if user is None:
            user = self._users[user_id] = _User(ts)
            self._first_seen.setdefault(user_id, ts)
        if payee is not None:
            self._first_seen.setdefault(payee, ts)
        if kind == "application":
            self._opened.setdefault(user_id, ts)
        user.events += 1
        user.last_ts = ts
        if features["new_payee"]:
            times = user.new_payee_times
            times.append(ts)
            while times[0] <= ts - HOUR:
                times.popleft()
        recent = user.recent_hours
        while recent and recent[0][0] <= ts - HABIT_DELAY:
            user.hours[recent.popleft()[1]] += 1
            user.hours_total += 1
        recent.append((ts, features["hour_local"]))
        if device is not None and device not in user.devices:
            user.devices[device] = ts
            self._device_users.setdefault(device, set()).add(user_id)
        if ip is not None:
            self._ip_events[ip] = self._ip_events.get(ip, 0) + 1
            ips = user.ips  # most recently used last, so the oldest is evicted first
            ips[ip] = ips.pop(ip, ts)
            if len(ips) > KNOWN_IPS:
                del ips[next(iter(ips))]
        if lat is not None and lon is not None:
            user.last_lat, user.last_lon, user.last_located = lat, lon, ts
            cell = (round(lat), round(lon))
            count = user.cells[cell] = user.cells.get(cell, 0) + 1
            if count > user.home_count:
                user.home, user.home_count = (lat, lon), count
        if changed is not None:
            user.password_changed_at = changed
        if money is not None and payee is not None:
            first, count = user.payees.get(payee, (ts, 0))
            user.payees[payee] = (first, count + 1)
            history = user.amounts.get(money.currency)
            if history is None:
                history = user.amounts[money.currency] = _Amounts()
            history.add(money.amount)
        if self.graph is not None:
            self.graph.observe(event)
        if decision == "block":
            user.last_block = ts
            for counter, key in (
                (self._device_blocks, device),
                (self._ip_blocks, ip),
                (self._payee_blocks, payee),
            ):
                if key is not None:
                    counter[key] = counter.get(key, 0) + 1


def _counted(windows: list[Stats], keys: list[str | None], amount: Decimal) -> list[Stats]:
    """Windows read without the event, with it counted under its keys (as `read_add` gives
    them); those past `keys` (`also`) stay as read."""
    out = [
        (w[0] + 1, w[1] + 1, w[2] + 1, w[3] + amount, w[4] + amount, w[5] + amount)
        if key is not None
        else w
        for w, key in zip(windows, keys, strict=False)
    ]
    return out + windows[len(keys) :]


def _velocity_keys(event: Event, currency: str) -> list[str | None]:
    """user, device, ip, payee (payments); None for an absent entity. Per event type, and
    per currency for payments, so logins are counted with logins and yen with yen."""
    suffix = "|payment|" + currency if event.type == "payment" else "|" + event.type
    return [
        "u|" + event.user_id + suffix,
        "d|" + event.device_id + suffix if event.device_id else None,
        "i|" + event.ip + suffix if event.ip else None,
        "p|" + event.payee_id + suffix if event.payee_id and event.type == "payment" else None,
    ]


def _rarity(hours: list[int], total: int, hour: int) -> float:
    """1 when the user is never active within an hour of `hour`, falling to 0 at 3 %."""
    if total < MIN_HOURS:
        return 0.0
    band = hours[hour - 1] + hours[hour] + hours[(hour + 1) % 24]
    return max(0.0, 1.0 - band / total / RARE_SHARE)


def _travel(user: _User, event: Event) -> tuple[float, float, bool, float]:
    """(km from the last located event, km/h needed to cover it, first time in this cell,
    km from home); zeros when either end has no location."""
    lat, lon = event.lat, event.lon
    if lat is None or lon is None or user.last_lat is None or user.last_lon is None:
        return 0.0, 0.0, False, 0.0
    km = distance_km(user.last_lat, user.last_lon, lat, lon)
    hours = max(event.ts - user.last_located, MINUTE) / (3600 * MICROS)
    new_place = (round(lat), round(lon)) not in user.cells
    home = user.home
    if home is None:
        from_home = 0.0
    elif home[0] is user.last_lat and home[1] is user.last_lon:
        from_home = km  # home is where the last event was (the usual case): same distance
    else:
        from_home = distance_km(home[0], home[1], lat, lon)
    return km, min(km / hours, 50_000.0), new_place, from_home
