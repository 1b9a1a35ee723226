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
from typing import Any, Final, Literal

from anxin.risk.events import Event
from anxin.risk.graph import NEUTRAL as NEUTRAL_GRAPH
from anxin.risk.graph import NEVER_MINUTES, GraphState
from anxin.risk.velocity import EMPTY, WINDOW_NAMES, ZERO, MemoryVelocityStore, VelocityStore

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
            deviations = sorted([abs(x - centre) for x in floats])
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
        self._keys: tuple[Event, list[str | None]] | None = None
        """The last event's velocity keys, so `observe` need not build them again."""

    def extract(self, event: Event) -> Features:  # noqa: PLR0915 (one flat hot-path function)
        """The event's features; reads the state, records nothing."""
        ts, ip = event.ts, event.ip
        has_ip = ip is not None
        user = self._users.get(event.user_id)
        money = event.amount
        amount = money.amount if money is not None else ZERO
        currency = money.currency if money is not None else ""
        inbound = (
            self.velocity.read(["p|" + event.user_id + "|payment|" + currency], ts)[0]
            if money is not None
            else EMPTY
        )
        keys = _velocity_keys(event, currency)
        self._keys = (event, keys)
        u, d, i, p = self.velocity.read(keys, ts)

        lon = event.lon if event.lon is not None else (user.last_lon if user else None)
        hour = local_hour(ts, lon)
        device, payee = event.device_id, event.payee_id
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
            if user.new_payee_times:
                hour_ago = ts - HOUR
                new_payees = sum(1 for at in user.new_payee_times if at > hour_ago)
        if event.password_changed_at is not None:
            password_at = event.password_changed_at
        new_payee = new_payee and payee is not None
        if history is not None and history.recent:
            user_payments, median, z = len(history.recent), history.median, history.z(amount)
        else:
            user_payments, median, z = 0, ZERO, 0.0

        ip_blocks = self._ip_blocks.get(ip, 0) if ip is not None else 0
        first_paid = self._first_seen.get(payee) if payee is not None else None
        opened = ts if event.type == "application" else self._opened.get(event.user_id)
        payee_opened = self._opened.get(payee) if payee is not None else None
        never_paid = 0.0 if payee is not None else NEVER_DAYS
        sharing = self._device_users.get(device) if device is not None else None
        features: Features = {
            "type": event.type,
            "amount": amount,
            "currency": currency,
            "hour_local": hour,
            "user_count_1m": u[0] + 1,
            "user_count_1h": u[1] + 1,
            "user_count_24h": u[2] + 1,
            "user_amount_1m": u[3] + amount,
            "user_amount_1h": u[4] + amount,
            "user_amount_24h": u[5] + amount,
            "device_count_1m": d[0] + (device is not None),
            "device_count_1h": d[1] + (device is not None),
            "device_count_24h": d[2] + (device is not None),
            "device_amount_1m": d[3] + amount if device is not None else ZERO,
            "device_amount_1h": d[4] + amount if device is not None else ZERO,
            "device_amount_24h": d[5] + amount if device is not None else ZERO,
            "ip_count_1m": i[0] + has_ip,
            "ip_count_1h": i[1] + has_ip,
            "ip_count_24h": i[2] + has_ip,
            "ip_amount_1m": i[3] + amount if has_ip else ZERO,
            "ip_amount_1h": i[4] + amount if has_ip else ZERO,
            "ip_amount_24h": i[5] + amount if has_ip else ZERO,
            "payee_count_1m": p[0] + (payee is not None),
            "payee_count_1h": p[1] + (payee is not None),
            "payee_count_24h": p[2] + (payee is not None),
            "payee_amount_1m": p[3] + amount,
            "payee_amount_1h": p[4] + amount,
            "payee_amount_24h": p[5] + amount,
            "new_payees_1h": new_payees + new_payee,
            "user_events": user_events,
            "account_age_days": age_days,
            "account_opened_days": (ts - opened) / DAY if opened is not None else NEVER_DAYS,
            "user_payments": user_payments,
            "user_median_amount": median,
            "amount_z": z,
            "new_payee": new_payee,
            "payee_payments": payee_payments,
            "payee_age_min": payee_age,
            "payee_age_days": (ts - first_paid) / DAY if first_paid is not None else never_paid,
            "payee_opened_days": (ts - payee_opened) / DAY
            if payee_opened is not None
            else NEVER_DAYS,
            "new_device": new_device,
            "device_age_min": device_age,
            "device_accounts": (len(sharing) + (event.user_id not in sharing))
            if sharing is not None
            else 1
            if device is not None
            else 0,
            "new_ip": new_ip,
            "ip_age_min": ip_age,
            "new_place": new_place,
            "km_from_last": km,
            "travel_speed_kmh": speed,
            "minutes_since_last": since_last,
            "hour_rarity": rarity,
            "km_from_home": from_home,
            "password_changed_min": max(0.0, (ts - password_at) / MINUTE)
            if password_at is not None
            else NEVER_MINUTES,
            "inbound_amount_24h": inbound[5],
            "device_blocks": self._device_blocks.get(device, 0) if device is not None else 0,
            "ip_blocks": ip_blocks,
            "ip_block_rate": ip_blocks / self._ip_events[ip]
            if ip_blocks and ip is not None
            else 0.0,
            "payee_blocks": self._payee_blocks.get(payee, 0) if payee is not None else 0,
            "minutes_since_user_block": (ts - last_block) / MINUTE
            if last_block is not None
            else NEVER_MINUTES,
        }
        if self.graph is None:
            features.update(NEUTRAL_GRAPH)
        else:
            self.graph.read(event, features)
        return features

    def observe(self, event: Event, features: Features, decision: str) -> None:  # noqa: PLR0915
        """Record the event (and the decision taken on it) into the state."""
        ts = event.ts
        money = event.amount
        amount = money.amount if money is not None else ZERO
        if self._keys is not None and self._keys[0] is event:
            keys = self._keys[1]
        else:
            keys = _velocity_keys(event, money.currency if money is not None else "")
        self.velocity.add(keys, ts, amount)
        user = self._users.get(event.user_id)
        if user is None:
            user = self._users[event.user_id] = _User(ts)
            self._first_seen.setdefault(event.user_id, ts)
        if event.payee_id is not None:
            self._first_seen.setdefault(event.payee_id, ts)
        if event.type == "application":
            self._opened.setdefault(event.user_id, ts)
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
        if event.device_id is not None and event.device_id not in user.devices:
            user.devices[event.device_id] = ts
            self._device_users.setdefault(event.device_id, set()).add(event.user_id)
        if event.ip is not None:
            self._ip_events[event.ip] = self._ip_events.get(event.ip, 0) + 1
            ips = user.ips  # most recently used last, so the oldest is evicted first
            ips[event.ip] = ips.pop(event.ip, ts)
            if len(ips) > KNOWN_IPS:
                del ips[next(iter(ips))]
        if event.lat is not None and event.lon is not None:
            user.last_lat, user.last_lon, user.last_located = event.lat, event.lon, ts
            cell = (round(event.lat), round(event.lon))
            count = user.cells[cell] = user.cells.get(cell, 0) + 1
            if count > user.home_count:
                user.home, user.home_count = (event.lat, event.lon), count
        if event.password_changed_at is not None:
            user.password_changed_at = event.password_changed_at
        if money is not None and event.payee_id is not None:
            first, count = user.payees.get(event.payee_id, (ts, 0))
            user.payees[event.payee_id] = (first, count + 1)
            history = user.amounts.get(money.currency)
            if history is None:
                history = user.amounts[money.currency] = _Amounts()
            history.add(money.amount)
        if self.graph is not None:
            self.graph.observe(event)
        if decision == "block":
            user.last_block = ts
            for counter, key in (
                (self._device_blocks, event.device_id),
                (self._ip_blocks, event.ip),
                (self._payee_blocks, event.payee_id),
            ):
                if key is not None:
                    counter[key] = counter.get(key, 0) + 1


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
    home = distance_km(user.home[0], user.home[1], lat, lon) if user.home else 0.0
    return km, min(km / hours, 50_000.0), new_place, home
