"""Signals: sliding windows against brute force, behaviour features, and purity of extract."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from riskkit import SHANGHAI, T0, Story, fresh_engine

from anxin.risk.engine import RiskEngine
from anxin.risk.features import FEATURES, FeatureState, distance_km, haversine_km, local_hour
from anxin.risk.velocity import MemoryVelocityStore


@pytest.fixture
def engine() -> RiskEngine:
    return fresh_engine()


@pytest.fixture
def story(engine: RiskEngine) -> Story:
    return Story(engine)


MICROS = 1_000_000
WINDOWS = (60 * MICROS, 3600 * MICROS, 86400 * MICROS)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 3 * 86400 * MICROS),
            st.sampled_from(["a", "b"]),
            st.integers(1, 10_000),
        ),
        max_size=60,
    )
)
def test_windows_match_brute_force(raw: list[tuple[int, str, int]]) -> None:
    store = MemoryVelocityStore()
    seen: list[tuple[int, str, Decimal]] = []
    for ts, key, cents in sorted(raw):
        amount = Decimal(cents).scaleb(-2)
        for probe in ("a", "b"):
            got = store.read([probe, None], ts)
            expected_counts = [
                sum(1 for t, k, _ in seen if k == probe and t > ts - w) for w in WINDOWS
            ]
            expected_sums = [
                sum((a for t, k, a in seen if k == probe and t > ts - w), Decimal(0))
                for w in WINDOWS
            ]
            assert got[0] == (*expected_counts, *expected_sums)
            assert got[1] == (0, 0, 0, 0, 0, 0)
        store.add([key], ts, amount)
        seen.append((ts, key, amount))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 2 * 86400 * MICROS),
            st.sampled_from(["a", "b", None]),
            st.sampled_from(["a", "b"]),
            st.integers(0, 10_000),
        ),
        max_size=40,
    )
)
def test_read_add_is_read_then_add_with_the_event_counted(
    raw: list[tuple[int, str | None, str, int]],
) -> None:
    """The engine's one-step call answers as the two steps would, plus the event itself
    under its keys (never under `also`, even when it is the same key)."""
    one, two = MemoryVelocityStore(), MemoryVelocityStore()
    for ts, key, also, cents in sorted(raw, key=lambda r: r[0]):
        amount = Decimal(cents).scaleb(-2)
        before = two.read([key, also], ts)
        two.add([key], ts, amount)
        mine = before[0] if key is None else (
            before[0][0] + 1, before[0][1] + 1, before[0][2] + 1,
            before[0][3] + amount, before[0][4] + amount, before[0][5] + amount,
        )  # fmt: skip
        assert one.read_add([key], ts, amount, "CNY", (also,)) == [mine, before[1]]


def test_windows_stay_exact_when_old_entries_are_dropped_and_events_arrive_late() -> None:
    store = MemoryVelocityStore()
    seen: list[tuple[int, Decimal]] = []
    for n in range(3000):  # one event every 97 s for three and a half days
        ts = n * 97 * MICROS
        if n % 500 == 499:  # a late event is counted as of the newest time
            ts -= 30 * MICROS
        now = max(ts, seen[-1][0]) if seen else ts
        if n % 250 == 0:
            counts = [sum(1 for t, _ in seen if t > now - w) for w in WINDOWS]
            sums = [sum((a for t, a in seen if t > now - w), Decimal(0)) for w in WINDOWS]
            assert store.read(["k"], now)[0] == (*counts, *sums)
        store.add(["k"], ts, Decimal(n % 7))
        seen.append((now, Decimal(n % 7)))


def test_extract_is_pure_and_features_are_catalogued(story: Story, engine: RiskEngine) -> None:
    end = story.habits("alice", days=5)
    event = story.event(
        "payment",
        end,
        "alice",
        device_id="alice-phone",
        ip="10.0.0.7",
        where=SHANGHAI,
        amount="61.00",
        payee_id="m-canteen",
    )
    first = engine.state.extract(event)
    again = engine.state.extract(event)
    assert first == again
    assert set(first) == set(FEATURES)


def test_behaviour_signals(story: Story, engine: RiskEngine) -> None:
    end = story.habits("bob", days=20)
    base = {"device_id": "bob-phone", "ip": "10.0.0.7", "where": SHANGHAI}
    usual = engine.state.extract(
        story.event("payment", end, "bob", amount="60.00", payee_id="m-grocer", **base)
    )
    assert not usual["new_payee"] and not usual["new_device"] and not usual["new_ip"]
    assert usual["user_payments"] == 40 and usual["user_median_amount"] == Decimal("61.75")
    assert abs(usual["amount_z"]) < 1
    assert usual["hour_rarity"] == 0.0 or usual["hour_local"] not in (12, 19)

    odd = engine.state.extract(
        story.event(
            "payment",
            end + timedelta(hours=3 - 8),
            "bob",
            device_id="other",
            ip="1.2.3.4",
            where=(35.68, 139.69),
            amount="9000",
            payee_id="someone-new",
            password_changed_at=(end + timedelta(hours=3 - 8, minutes=-185)).isoformat(),
        )
    )
    assert odd["new_payee"] and odd["new_device"] and odd["new_ip"] and odd["new_place"]
    assert odd["device_age_min"] == 0.0 and odd["payee_age_min"] == 0.0
    assert odd["amount_z"] > 100
    assert odd["hour_rarity"] == 1.0 and odd["hour_local"] == 4  # 3 am Shanghai = 4 am Tokyo
    assert 1750 < odd["km_from_last"] < 1770 and odd["travel_speed_kmh"] < 1000  # a flight
    assert 180 < odd["password_changed_min"] < 190

    # Extract records nothing, so another "what if" on the same state is fine: Tokyo one
    # hour after his evening payment in Shanghai is not a flight.
    jump = engine.state.extract(
        story.event("login", end - timedelta(hours=12), "bob", where=(35.68, 139.69))
    )
    assert jump["travel_speed_kmh"] > 1000


def test_device_seen_on_other_accounts_counts_them() -> None:
    state = FeatureState()
    story = Story(RiskEngine.__new__(RiskEngine))
    for n in range(3):
        event = story.event("login", T0 + timedelta(minutes=n), f"u{n}", device_id="shared")
        features = state.extract(event)
        assert features["device_accounts"] == n + 1
        state.observe(event, features, "allow")


def test_velocity_counts_only_the_same_event_type_and_currency(
    story: Story, engine: RiskEngine
) -> None:
    end = story.habits("carol", days=3)
    for minutes, currency, amount in ((1, "CNY", "10.00"), (2, "JPY", "500"), (3, "CNY", "20.00")):
        story.decide(
            "payment",
            end + timedelta(minutes=minutes),
            "carol",
            device_id="carol-phone",
            amount=amount,
            currency=currency,
            payee_id="m-grocer",
        )
    features = engine.state.extract(
        story.event(
            "payment",
            end + timedelta(minutes=4),
            "carol",
            device_id="carol-phone",
            amount="5.00",
            currency="CNY",
            payee_id="m-grocer",
        )
    )
    assert features["user_count_1h"] == 3 and features["user_amount_1h"] == Decimal("35.00")
    assert features["device_count_1m"] == 1


def test_geography() -> None:
    assert abs(haversine_km(*SHANGHAI, 35.68, 139.69) - 1758) < 2
    assert (
        abs(distance_km(31.2, 121.4, 31.3, 121.5) - haversine_km(31.2, 121.4, 31.3, 121.5)) < 0.01
    )
    noon_utc = int((T0 + timedelta(hours=12)).timestamp()) * MICROS
    assert local_hour(noon_utc, 121.47) == 20 and local_hour(noon_utc, 2.35) == 12
    assert local_hour(noon_utc, None) == 12
