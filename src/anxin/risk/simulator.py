"""A transaction simulator: legitimate habits and labelled attacks, as replayable events.

Legitimate people have a home city, one or two devices (some households share a tablet),
a home Wi-Fi IP and a few carrier IPs from a pool shared by the whole city, active hours,
regular payees with typical amounts, a rare big purchase, a fortnightly large bill to a
known payee, friends who split dinners (money in from several people, then out to the
restaurant), phone upgrades, password changes, credit applications, new sign-ups, and
trips — domestic or abroad, with flights that take real time, hotel IPs, new merchants and
foreign currencies. Those are exactly the things a careless risk engine punishes.

Attacks (label = attack type, `attack_id` groups one attack's events):
- `account_takeover`: a new device, often far away, often a password change, then large
  transfers to new payees (mule accounts) within minutes.
- `card_theft`: a stolen, unlocked phone (a known device!) used at night near the victim's
  city, on a new IP: a small test payment, then a fast run of payments to new merchants.
- `mule_ring`: new accounts opened a few hours apart on one or two shared devices; each
  cashes out soon after scam money arrives.
- `application_fraud`: a burst of applications from synthetic identities sharing a few
  devices, IPs and phone numbers.
- `scam`: a victim on their own phone, at home, at a normal hour, coached into sending an
  unusually large, round amount to a new payee (often a mule).

Attacks start after `warmup_days`, when every person has a history; quality figures are
measured on events after that. All randomness comes from one seeded `random.Random` and no
set is ever iterated, so a seed always produces the same events.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from anxin.core.errors import InvalidInput
from anxin.core.money import Money, minor_units
from anxin.risk.events import Event, parse_event
from anxin.risk.features import haversine_km

ATTACKS: Final = ("account_takeover", "card_theft", "mule_ring", "application_fraud", "scam")
LEGIT: Final = "legit"
START: Final = datetime(2026, 10, 1, tzinfo=UTC)
DAY: Final = 86_400
HOUR: Final = 3_600
MINUTE: Final = 60

CITIES: Final = (
    ("Shanghai", 31.23, 121.47),
    ("Beijing", 39.90, 116.40),
    ("Guangzhou", 23.13, 113.26),
    ("Shenzhen", 22.54, 114.06),
    ("Chengdu", 30.57, 104.07),
    ("Hangzhou", 30.27, 120.15),
    ("Wuhan", 30.59, 114.31),
    ("Xi'an", 34.34, 108.94),
    ("Nanjing", 32.06, 118.80),
    ("Chongqing", 29.56, 106.55),
    ("Tianjin", 39.34, 117.36),
    ("Kunming", 25.04, 102.71),
)
ABROAD: Final = (
    ("Tokyo", 35.68, 139.69, "JPY", Decimal(20)),
    ("Bangkok", 13.75, 100.50, "THB", Decimal(5)),
    ("Seoul", 37.57, 126.98, "KRW", Decimal(190)),
    ("Singapore", 1.35, 103.82, "SGD", Decimal("0.19")),
    ("Paris", 48.86, 2.35, "EUR", Decimal("0.13")),
    ("Sydney", -33.87, 151.21, "AUD", Decimal("0.21")),
)
FRAUD_HUBS: Final = (
    ("Phnom Penh", 11.56, 104.92),
    ("Manila", 14.60, 120.98),
    ("Yangon", 16.84, 96.17),
)
MERCHANTS_PER_CITY: Final = 400
CARRIER_IPS_PER_CITY: Final = 60
FRAUD_IPS: Final = 150


@dataclass(frozen=True, slots=True)
class SimConfig:
    seed: int
    users: int = 2000
    days: int = 28
    warmup_days: int = 14
    attacks: int = 40
    """Instances of each attack type."""

    def __post_init__(self) -> None:
        if self.days < 8 or not 1 <= self.warmup_days <= self.days - 4 or self.users < 50:
            raise InvalidInput(
                "a simulation needs 8+ days, 4+ of them after the warm-up, 50+ users"
            )

    @property
    def warmup_end(self) -> datetime:
        return START + timedelta(days=self.warmup_days)


@dataclass
class _Person:
    uid: str
    city: int
    lat: float
    lon: float
    work: tuple[float, float]
    devices: list[str]
    home_ip: str
    mobile_ips: list[str]
    peaks: tuple[float, ...]
    sessions_per_day: float
    pay_per_session: float
    median: float
    payees: list[tuple[str, float]]
    phone: str
    joined: int = 0
    shared_device: str | None = None
    password_changed: int | None = None
    busy: list[tuple[int, int]] = field(default_factory=list)
    """(start, end) spans taken by a trip, so nothing else places them at home then."""


@dataclass
class _Ring:
    accounts: list[str]
    devices: list[str]
    ips: list[str]
    lat: float
    lon: float
    ready: dict[str, int]
    attack_id: str
    cashout: str


class Simulator:
    """Builds the events for one `SimConfig`; `events()` returns them in time order."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.rng = random.Random(config.seed)
        self.out: list[tuple[int, int, dict[str, Any]]] = []
        self.people: list[_Person] = []
        self.rings: list[_Ring] = []
        self.attacker_devices: list[str] = []
        self.farm_devices: list[str] = []
        self.end = config.days * DAY
        self.warmup = config.warmup_days * DAY

    # -- output ---------------------------------------------------------------------------

    def emit(
        self,
        t: int,
        kind: str,
        uid: str,
        *,
        device: str | None,
        ip: str | None,
        where: tuple[float, float] | None,
        amount: Money | None = None,
        payee: str | None = None,
        label: str = LEGIT,
        attack_id: str | None = None,
        phone: str | None = None,
        password_changed: int | None = None,
    ) -> None:
        event: dict[str, Any] = {
            "type": kind,
            "ts": (START + timedelta(seconds=t)).isoformat().replace("+00:00", "Z"),
            "user_id": uid,
        }
        if device is not None:
            event["device_id"] = device
        if ip is not None:
            event["ip"] = ip
        if where is not None:
            event["lat"], event["lon"] = round(where[0], 4), round(where[1], 4)
        if amount is not None:
            event["amount"], event["currency"] = str(amount), amount.currency
        if payee is not None:
            event["payee_id"] = payee
        if phone is not None:
            event["phone"] = phone
        if password_changed is not None and password_changed <= t:
            changed = START + timedelta(seconds=password_changed)
            event["password_changed_at"] = changed.isoformat().replace("+00:00", "Z")
        event["label"] = label
        if attack_id is not None:
            event["attack_id"] = attack_id
        self.out.append((t, len(self.out), event))

    def events(self) -> list[dict[str, Any]]:
        self._people()
        for person in self.people:
            self._life(person)
        self._attacks()
        self.out.sort(key=lambda item: (item[0], item[1]))
        result = []
        for index, (_, _, event) in enumerate(self.out):
            result.append({"event_id": f"ev{self.config.seed}-{index:07d}", **event})
        return result

    # -- legitimate people ----------------------------------------------------------------

    def _people(self) -> None:
        rng = self.rng
        for n in range(self.config.users):
            city = rng.randrange(len(CITIES))
            _, clat, clon = CITIES[city]
            lat, lon = clat + rng.gauss(0, 0.06), clon + rng.gauss(0, 0.06)
            work = (clat + rng.gauss(0, 0.08), clon + rng.gauss(0, 0.08))
            devices = [f"dev-{n}-a"] + ([f"dev-{n}-b"] if rng.random() < 0.2 else [])
            night_owl = rng.random() < 0.1
            peaks = (23.5,) if night_owl else (rng.uniform(11, 14), rng.uniform(18.5, 21.5))
            median = math.exp(rng.gauss(math.log(70), 0.7))
            joined = 0
            if rng.random() < 0.04:  # signs up during the simulated month
                joined = rng.randrange(DAY, self.end - 2 * DAY)
            person = _Person(
                uid=f"u{n:05d}",
                city=city,
                lat=lat,
                lon=lon,
                work=work,
                devices=devices,
                home_ip=f"10.{n // 250}.{n % 250}.1",
                mobile_ips=[self._carrier_ip(city) for _ in range(3)],
                peaks=peaks,
                sessions_per_day=rng.uniform(0.5, 2.2),
                pay_per_session=rng.uniform(0.6, 1.6),
                median=median,
                payees=[],
                phone=f"+86138{n:08d}",
                joined=joined,
            )
            person.payees = [self._merchant(person) for _ in range(rng.randint(4, 10))]
            self.people.append(person)
        for person in self.people:  # friends, then households sharing a tablet
            for _ in range(self.rng.randint(1, 4)):
                friend = self.rng.choice(self.people)
                if friend is not person:
                    person.payees.append((friend.uid, person.median * 2))
        for index in range(0, int(len(self.people) * 0.06), 2):
            a, b = (
                self.people[index * 7 % len(self.people)],
                self.people[(index * 7 + 3) % len(self.people)],
            )
            if a is not b and a.shared_device is None and b.shared_device is None:
                a.shared_device = b.shared_device = f"tablet-{a.uid}"

    def _carrier_ip(self, city: int) -> str:
        return f"100.{64 + city}.{self.rng.randrange(CARRIER_IPS_PER_CITY)}.7"

    def _merchant(self, person: _Person) -> tuple[str, float]:
        typical = person.median * math.exp(self.rng.gauss(0, 0.7))
        return f"m-{person.city}-{self.rng.randrange(MERCHANTS_PER_CITY):03d}", typical

    def _hour(self, person: _Person) -> float:
        """A local hour: mostly near one of the person's peaks, sometimes any waking hour."""
        if self.rng.random() < 0.15:
            return self.rng.uniform(7, 23)
        return self.rng.choice(person.peaks) + self.rng.gauss(0, 2.2)

    def _at_local(self, day: int, local_hour: float, lon: float) -> int:
        """Seconds since START for a local hour on `day` at longitude `lon`."""
        offset = round(lon / 15)
        return day * DAY + int(((local_hour - offset) % 24) * HOUR)

    def _cny(self, value: float, *, round_to: int = 0) -> Money:
        value = max(value, 1.0)
        if round_to:
            return Money(Decimal(max(round_to, round(value / round_to) * round_to)), "CNY")
        return Money(Decimal(f"{value:.2f}"), "CNY")

    def _life(self, person: _Person) -> None:
        rng = self.rng
        start_day = person.joined // DAY if person.joined else 0
        upgrade = rng.randrange(start_day + 1, self.config.days) if rng.random() < 0.04 else None
        if rng.random() < 0.03:
            person.password_changed = rng.randrange(start_day * DAY + DAY, self.end)
        if not person.joined and rng.random() < 0.08:
            self._trip(person)
        if person.joined:
            self.emit(
                person.joined,
                "application",
                person.uid,
                device=person.devices[0],
                ip=rng.choice(person.mobile_ips),
                where=(person.lat, person.lon),
                phone=person.phone,
            )
        elif rng.random() < 0.02 and not self._busy(
            person,
            t := self._at_local(rng.randrange(self.config.days), self._hour(person), person.lon),
        ):
            self.emit(
                t,
                "application",
                person.uid,
                device=person.devices[0],
                ip=person.home_ip,
                where=(person.lat, person.lon),
                phone=person.phone,
            )
        big_bill = (rng.randrange(3000, 8000), rng.randrange(14)) if rng.random() < 0.2 else None
        for day in range(start_day, self.config.days):
            if upgrade is not None and day == upgrade:
                person.devices[0] = person.devices[0] + "-new"
            if big_bill is not None and day % 14 == big_bill[1]:
                t = self._at_local(day, rng.uniform(9, 21), person.lon)
                if not self._busy(person, t):
                    self._pay(person, t, ("bill-" + person.uid, big_bill[0]), big=True)
            if day == start_day and not person.joined:
                self._seed_history(person)
            for _ in range(_poisson(rng, person.sessions_per_day)):
                t = self._at_local(day, self._hour(person), person.lon)
                if t >= person.joined and not self._busy(person, t):
                    self._session(person, t)
        if rng.random() < 0.02:
            self._dinner_split(person)

    def _seed_history(self, person: _Person) -> None:
        """One payment to each regular payee early on: the history a real engine has."""
        for payee in person.payees:
            t = self._at_local(self.rng.randrange(3), self._hour(person), person.lon)
            if not self._busy(person, t):
                self._pay(person, t, payee)

    def _busy(self, person: _Person, t: int) -> bool:
        return any(a <= t <= b for a, b in person.busy)

    def _session(self, person: _Person, t: int) -> None:
        rng = self.rng
        base = (person.lat, person.lon) if rng.random() < 0.7 else person.work
        where = (base[0] + rng.gauss(0, 0.01), base[1] + rng.gauss(0, 0.01))
        device = person.devices[0]
        if person.shared_device is not None and rng.random() < 0.08:
            device = person.shared_device
        elif len(person.devices) > 1 and rng.random() < 0.15:
            device = person.devices[1]
        roll = rng.random()
        ip = person.home_ip if roll < 0.55 else rng.choice(person.mobile_ips)
        if roll > 0.97:
            ip = f"172.{rng.randrange(16, 32)}.{rng.randrange(256)}.{rng.randrange(256)}"
        if rng.random() < 0.7:
            self.emit(
                t,
                "login",
                person.uid,
                device=device,
                ip=ip,
                where=where,
                password_changed=person.password_changed,
            )
        for _ in range(_poisson(rng, person.pay_per_session)):
            t += rng.randrange(30, 600)
            if self._busy(person, t):
                break
            self._pay(person, t, self._choose_payee(person), device=device, ip=ip, where=where)

    def _choose_payee(self, person: _Person) -> tuple[str, float]:
        rng = self.rng
        if rng.random() < 0.03:
            payee = self._merchant(person)
            person.payees.append(payee)
            return payee
        weights = [1.0 / (rank + 1) for rank in range(len(person.payees))]
        return rng.choices(person.payees, weights)[0]

    def _pay(
        self,
        person: _Person,
        t: int,
        payee: tuple[str, float],
        *,
        device: str | None = None,
        ip: str | None = None,
        where: tuple[float, float] | None = None,
        big: bool = False,
        currency: tuple[str, Decimal] | None = None,
    ) -> None:
        rng = self.rng
        value = payee[1] if big else payee[1] * math.exp(rng.gauss(0, 0.45))
        if not big and rng.random() < 0.005:  # a rare big purchase: a phone, a sofa
            value = person.median * rng.uniform(8, 30)
            if rng.random() < 0.6:
                payee = self._merchant(person)
        amount = self._cny(value, round_to=1 if rng.random() < 0.3 else 0)
        if currency is not None:
            code, rate = currency
            amount = _convert(amount, code, rate)
        self.emit(
            t,
            "payment",
            person.uid,
            device=device or person.devices[0],
            ip=ip or person.home_ip,
            where=where or (person.lat + rng.gauss(0, 0.01), person.lon + rng.gauss(0, 0.01)),
            amount=amount,
            payee=payee[0],
            password_changed=person.password_changed,
        )

    def _trip(self, person: _Person) -> None:
        rng = self.rng
        depart = rng.randrange(2 * DAY, self.end - 3 * DAY)
        nights = rng.randint(2, 6)
        if rng.random() < 0.6:
            name, lat, lon = rng.choice([c for i, c in enumerate(CITIES) if i != person.city])
            currency: tuple[str, Decimal] | None = None
        else:
            name, lat, lon, code, rate = rng.choice(ABROAD)
            currency = (code, rate)
        km = haversine_km(person.lat, person.lon, lat, lon)
        flight = int((km / 750 + 2.0) * HOUR)
        arrive, back = depart + flight, depart + nights * DAY
        home_again = back + flight
        person.busy.append((depart - 2 * HOUR, home_again))
        hotel_ip = f"192.0.{rng.randrange(256)}.{rng.randrange(256)}"
        merchants = [
            (f"m-{name}-{rng.randrange(200):03d}", person.median * rng.uniform(0.8, 3))
            for _ in range(8)
        ]
        outings = sorted(
            self._at_local(day, min(max(self._hour(person), 8.0), 23.0), lon)
            for day in range(arrive // DAY, back // DAY + 1)
            for _ in range(rng.randint(1, 3))
        )
        for outing in outings:
            if not arrive + 20 * MINUTE <= outing <= back:
                continue
            where = (lat + rng.gauss(0, 0.03), lon + rng.gauss(0, 0.03))
            ip = (
                hotel_ip
                if rng.random() < 0.6
                else f"{rng.randrange(1, 223)}.{rng.randrange(256)}.9.9"
            )
            self.emit(
                outing,
                "login",
                person.uid,
                device=person.devices[0],
                ip=ip,
                where=where,
                password_changed=person.password_changed,
            )
            paid = outing
            for _ in range(rng.randint(0, 3)):
                paid += rng.randrange(10 * MINUTE, 60 * MINUTE)
                if paid > back:
                    break
                pay_in = currency if currency is not None and rng.random() < 0.5 else None
                payee = rng.choice(merchants) if rng.random() < 0.8 else rng.choice(person.payees)
                self._pay(person, paid, payee, ip=ip, where=where, currency=pay_in)
        self.emit(
            home_again + rng.randrange(30 * MINUTE, 3 * HOUR),
            "login",
            person.uid,
            device=person.devices[0],
            ip=person.home_ip,
            where=(person.lat, person.lon),
            password_changed=person.password_changed,
        )

    def _dinner_split(self, host: _Person) -> None:
        """Friends each send their share, then the host pays the restaurant: legit fan-in."""
        rng = self.rng
        t = self._at_local(
            rng.randrange(self.config.warmup_days, self.config.days - 1), 19.5, host.lon
        )
        if self._busy(host, t):
            return
        friends = [p for p in rng.sample(self.people, 6) if p is not host and not self._busy(p, t)]
        total = 0.0
        for friend in friends:
            share = rng.uniform(80, 300)
            total += share
            self._pay(friend, t + rng.randrange(MINUTE, 90 * MINUTE), (host.uid, share), big=True)
        restaurant, _ = self._merchant(host)
        self._pay(host, t + 2 * HOUR, (restaurant, total * 1.1), big=True)

    # -- attacks --------------------------------------------------------------------------

    def _attacks(self) -> None:
        n = self.config.attacks
        window = (self.warmup, self.end - DAY)
        for i in range(n):
            self._mule_ring(i, window)
        for i in range(n):
            self._application_fraud(i, window)
        for i in range(n):
            self._account_takeover(i, window)
        for i in range(n):
            self._scam(i, window)
        for i in range(n):
            self._card_theft(i, window)

    def _victim(self, t: int) -> _Person:
        while True:
            person = self.rng.choice(self.people)
            if not person.joined and not self._busy(person, t):
                return person

    def _mule_payee(self, t: int, fallback: str) -> str:
        ready = [a for ring in self.rings for a, since in ring.ready.items() if since < t]
        if ready and self.rng.random() < 0.6:
            return self.rng.choice(ready)
        return fallback

    def _fraud_ip(self) -> str:
        return f"203.0.113.{self.rng.randrange(FRAUD_IPS)}"

    def _mule_ring(self, i: int, window: tuple[int, int]) -> None:
        rng = self.rng
        attack = f"mule_ring-{i}"
        k = rng.randint(3, 7)
        devices = [f"ring-{i}-dev{j}" for j in range(rng.choice((1, 1, 2)))]
        ips = [self._fraud_ip() for _ in range(rng.randint(1, 2))]
        _, lat, lon = rng.choice(CITIES)
        t = rng.randrange(window[0], max(window[0] + 1, window[1] - 3 * DAY))
        ring = _Ring([], devices, ips, lat, lon, {}, attack, f"otc-{i}")
        for j in range(k):
            uid = f"mule-{i}-{j}"
            device = devices[j % len(devices)]
            ip = rng.choice(ips)
            self.emit(
                t,
                "application",
                uid,
                device=device,
                ip=ip,
                where=(lat, lon),
                phone=f"+86171{i:04d}{j:04d}",
                label="mule_ring",
                attack_id=attack,
            )
            login = t + rng.randrange(5 * MINUTE, 40 * MINUTE)
            self.emit(
                login,
                "login",
                uid,
                device=device,
                ip=ip,
                where=(lat, lon),
                label="mule_ring",
                attack_id=attack,
            )
            ring.accounts.append(uid)
            ring.ready[uid] = login
            t += rng.randrange(20 * MINUTE, 4 * HOUR)
        self.rings.append(ring)

    def _cash_out(self, mule: str, t: int, amount: Money) -> None:
        """The mule moves the money on soon after it lands."""
        ring = next(r for r in self.rings if mule in r.ready)
        rng = self.rng
        t += rng.randrange(5 * MINUTE, 90 * MINUTE)
        device, ip = rng.choice(ring.devices), rng.choice(ring.ips)
        if rng.random() < 0.5:
            self.emit(
                t,
                "login",
                mule,
                device=device,
                ip=ip,
                where=(ring.lat, ring.lon),
                label="mule_ring",
                attack_id=ring.attack_id,
            )
            t += rng.randrange(MINUTE, 5 * MINUTE)
        share = Decimal(str(round(rng.uniform(0.9, 1.0), 2)))
        out = Money(max(Decimal(1), (amount.amount * share).quantize(Decimal(1))), amount.currency)
        self.emit(
            t,
            "payment",
            mule,
            device=device,
            ip=ip,
            where=(ring.lat, ring.lon),
            amount=out,
            payee=ring.cashout,
            label="mule_ring",
            attack_id=ring.attack_id,
        )

    def _application_fraud(self, i: int, window: tuple[int, int]) -> None:
        rng = self.rng
        attack = f"application_fraud-{i}"
        n = rng.randint(5, 12)
        devices = [f"farm-{i}-dev{j}" for j in range(rng.randint(1, 3))]
        if self.farm_devices and rng.random() < 0.3:
            devices[0] = rng.choice(self.farm_devices)
        self.farm_devices.extend(devices)
        ips = [self._fraud_ip() for _ in range(rng.randint(1, 2))]
        phones = [f"+86170{i:04d}{j:04d}" for j in range(max(2, n // 2))]
        _, lat, lon = rng.choice(CITIES)
        where = (lat, lon) if rng.random() < 0.7 else None
        t = rng.randrange(*window)
        for j in range(n):
            uid = f"synth-{i}-{j}"
            device = rng.choice(devices)
            self.emit(
                t,
                "application",
                uid,
                device=device,
                ip=rng.choice(ips),
                where=where,
                phone=rng.choice(phones),
                label="application_fraud",
                attack_id=attack,
            )
            t += rng.randrange(2 * MINUTE, 12 * MINUTE)

    def _account_takeover(self, i: int, window: tuple[int, int]) -> None:
        rng = self.rng
        attack = f"account_takeover-{i}"
        t = rng.randrange(*window)
        victim = self._victim(t)
        device = f"atk-{i}"
        if self.attacker_devices and rng.random() < 0.3:
            device = rng.choice(self.attacker_devices)
        self.attacker_devices.append(device)
        roll = rng.random()
        if roll < 0.4:
            _, lat, lon = rng.choice(FRAUD_HUBS)
        elif roll < 0.8:
            _, lat, lon = rng.choice(CITIES)
        else:
            lat, lon = victim.lat + rng.gauss(0, 0.05), victim.lon + rng.gauss(0, 0.05)
        where = (lat, lon) if rng.random() < 0.85 else None
        ip = self._fraud_ip()
        self.emit(
            t,
            "login",
            victim.uid,
            device=device,
            ip=ip,
            where=where,
            password_changed=victim.password_changed,
            label="account_takeover",
            attack_id=attack,
        )
        changed = (
            t + rng.randrange(MINUTE, 4 * MINUTE) if rng.random() < 0.6 else victim.password_changed
        )
        t += rng.randrange(3 * MINUTE, 20 * MINUTE)
        for _ in range(rng.randint(1, 3)):
            value = min(50_000.0, max(3_000.0, victim.median * rng.uniform(20, 100)))
            amount = self._cny(value, round_to=100)
            payee = self._mule_payee(t, f"ext-mule-{i}")
            self.emit(
                t,
                "payment",
                victim.uid,
                device=device,
                ip=ip,
                where=where,
                amount=amount,
                payee=payee,
                password_changed=changed,
                label="account_takeover",
                attack_id=attack,
            )
            if payee.startswith("mule-"):
                self._cash_out(payee, t, amount)
            t += rng.randrange(MINUTE, 6 * MINUTE)

    def _scam(self, i: int, window: tuple[int, int]) -> None:
        rng = self.rng
        attack = f"scam-{i}"
        day = rng.randrange(window[0] // DAY, window[1] // DAY)
        victim = self._victim(day * DAY)
        t = self._at_local(day, min(max(self._hour(victim), 9), 21), victim.lon)
        if self._busy(victim, t):
            return
        payee = self._mule_payee(t, f"scam-payee-{i}")
        where = (victim.lat, victim.lon)
        for _ in range(rng.choice((1, 1, 2, 3))):
            value = min(50_000.0, max(2_000.0, victim.median * rng.uniform(10, 60)))
            amount = self._cny(value, round_to=100 if rng.random() < 0.7 else 0)
            self.emit(
                t,
                "payment",
                victim.uid,
                device=victim.devices[0],
                ip=victim.home_ip,
                where=where,
                amount=amount,
                payee=payee,
                password_changed=victim.password_changed,
                label="scam",
                attack_id=attack,
            )
            if payee.startswith("mule-"):
                self._cash_out(payee, t, amount)
            t += rng.randrange(5 * MINUTE, 40 * MINUTE)

    def _card_theft(self, i: int, window: tuple[int, int]) -> None:
        rng = self.rng
        attack = f"card_theft-{i}"
        day = rng.randrange(window[0] // DAY, window[1] // DAY)
        victim = self._victim(day * DAY)
        hour = rng.uniform(0, 5) if rng.random() < 0.7 else rng.uniform(0, 24)
        t = self._at_local(day, hour, victim.lon)
        if self._busy(victim, t):
            return
        bearing = rng.uniform(0, 2 * math.pi)
        distance = rng.uniform(0.05, 0.3)
        where = (
            victim.lat + distance * math.cos(bearing),
            victim.lon + distance * math.sin(bearing),
        )
        ip = self._fraud_ip() if rng.random() < 0.5 else self._carrier_ip(victim.city)
        device = victim.devices[0]
        if rng.random() < 0.4:
            self.emit(
                t,
                "login",
                victim.uid,
                device=device,
                ip=ip,
                where=where,
                password_changed=victim.password_changed,
                label="card_theft",
                attack_id=attack,
            )
            t += rng.randrange(MINUTE, 5 * MINUTE)
        for j in range(rng.randint(3, 8)):
            if j == 0 and rng.random() < 0.4:
                amount = self._cny(rng.uniform(1, 10))
            else:
                amount = self._cny(rng.uniform(500, 5000), round_to=1 if rng.random() < 0.5 else 0)
            merchant = f"m-{victim.city}-{rng.randrange(MERCHANTS_PER_CITY):03d}"
            self.emit(
                t,
                "payment",
                victim.uid,
                device=device,
                ip=ip,
                where=where,
                amount=amount,
                payee=merchant,
                password_changed=victim.password_changed,
                label="card_theft",
                attack_id=attack,
            )
            t += rng.randrange(2 * MINUTE, 12 * MINUTE)


def _poisson(rng: random.Random, mean: float) -> int:
    threshold, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= threshold:
            return k
        k += 1


def _convert(amount: Money, code: str, rate: Decimal) -> Money:
    places = minor_units(code)
    value = (amount.amount * rate).quantize(Decimal(1).scaleb(-places))
    return Money(max(value, Decimal(1).scaleb(-places)), code)


def simulate(config: SimConfig) -> list[dict[str, Any]]:
    """The events of one simulated month, in time order, each with `label` (and `attack_id`)."""
    return Simulator(config).events()


def write_jsonl(events: Iterable[dict[str, Any]], path: Path) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for event in events:
            out.write(json.dumps(event, ensure_ascii=False) + "\n")
            count += 1
    return count


def labelled(events: Iterable[dict[str, Any]]) -> Iterator[tuple[Event, bool]]:
    """(event, is_fraud) pairs, for training and scoring."""
    for raw in events:
        yield parse_event(raw), raw["label"] != LEGIT
