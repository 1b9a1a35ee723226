"""The Redis velocity store: the in-process store's answers, within one bucket, shared."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from holdkit import fund, pay, person, services_of
from hypothesis import given, settings
from hypothesis import strategies as st
from rediskit import REDIS_URL, fresh_store, require_redis

from anxin.api.app import create_app
from anxin.core.clock import ManualClock
from anxin.risk.simulator import SimConfig, simulate
from anxin.risk.velocity import WINDOWS, MemoryVelocityStore, open_velocity_store
from anxin.risk.velocity_redis import BUCKETS, TTL_MS, RedisVelocityStore
from conftest import make_settings

MICROS = 1_000_000
GRID = BUCKETS[-1]
"""15 minutes: a multiple of every bucket size, so times on it are bucket-aligned."""
KEYS = ("u|a", "u|b", "d|x", "p|m")


@pytest.fixture
def store() -> Iterator[RedisVelocityStore]:
    redis_store = fresh_store()
    yield redis_store
    redis_store.clear()
    redis_store.close()


events = st.lists(
    st.tuples(
        st.integers(0, 120),  # steps forward: 0 (same instant) to 30 h
        st.integers(0, len(KEYS) - 1),
        st.integers(0, len(KEYS) - 1),  # a key only read, as the engine reads the payee's
        st.integers(0, 1_000_000),  # cents; 0 for an event without money
    ),
    max_size=50,
)


@settings(max_examples=40, deadline=None)
@given(events)
def test_on_the_bucket_grid_the_answers_are_the_in_process_stores(
    steps: list[tuple[int, int, int, int]],
) -> None:
    redis_store, exact = fresh_store(), MemoryVelocityStore()
    now = 1_790_000_000 * MICROS // GRID * GRID
    try:
        for step, key, also, cents in steps:
            now += step * GRID
            amount = Decimal(cents).scaleb(-2)
            args = ([KEYS[key], None], now, amount, "CNY", (KEYS[also],))
            assert redis_store.read_add(*args) == exact.read_add(*args)
        assert redis_store.read(KEYS, now + GRID, "CNY") == exact.read(KEYS, now + GRID)
    finally:
        redis_store.clear()
        redis_store.close()


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 2 * 3600 * MICROS), st.integers(1, 100_000)),
        min_size=1,
        max_size=40,
    )
)
def test_off_the_grid_a_window_leaves_out_at_most_its_oldest_bucket(
    gaps: list[tuple[int, int]],
) -> None:
    """Counted: every event of the last W - bucket, none older than W."""
    redis_store = fresh_store()
    seen: list[tuple[int, Decimal]] = []
    now = 1_790_000_000 * MICROS + 123_457
    try:
        for gap, cents in gaps:
            now += gap
            seen.append((now, Decimal(cents).scaleb(-2)))  # read_add counts the event itself
            got = redis_store.read_add(["k"], now, seen[-1][1], "CNY")[0]
            for w, (window, bucket) in enumerate(zip(WINDOWS, BUCKETS, strict=True)):
                inner = [a for t, a in seen if t > now - window + bucket]
                outer = [a for t, a in seen if t > now - window]
                assert len(inner) <= got[w] <= len(outer)
                assert sum(inner, Decimal(0)) <= got[3 + w] <= sum(outer, Decimal(0))
    finally:
        redis_store.clear()
        redis_store.close()


def test_windows_expire_and_idle_keys_go(store: RedisVelocityStore) -> None:
    start = 1_790_000_000 * MICROS // GRID * GRID
    store.add(["u|a"], start, Decimal("30.00"), "CNY")
    name = store.prefix + "u|a"
    assert 0 < store.client.pttl(name) <= TTL_MS  # an idle key disappears by itself

    def at(seconds: int) -> tuple[int, ...]:
        return tuple(store.read(["u|a"], start + seconds * MICROS, "CNY")[0][:3])

    assert at(59) == (1, 1, 1)
    assert at(60) == (0, 1, 1)  # the minute is over
    assert at(3600) == (0, 0, 1)  # so is the hour
    assert store.read(["u|a"], start + 3600 * MICROS, "CNY")[0][5] == Decimal("30.00")
    assert at(86400) == (0, 0, 0)
    assert not store.client.exists(name)  # every bucket expired: nothing is kept


def test_amounts_are_kept_in_integer_minor_units(store: RedisVelocityStore) -> None:
    now = 1_790_000_000 * MICROS
    store.add(["u|yen|payment|JPY"], now, Decimal("12000"), "JPY")
    store.add(["u|dinar|payment|BHD"], now, Decimal("1.005"), "BHD")
    store.add(["u|dinar|payment|BHD"], now, Decimal("0.001"), "BHD")
    raw = store.client.hgetall(store.prefix + "u|dinar|payment|BHD")
    assert raw[b"s3"] == b"1006"  # fils, not a float
    later = now + MICROS
    assert store.read(["u|yen|payment|JPY"], later, "JPY")[0][3:] == (Decimal(12000),) * 3
    assert store.read(["u|dinar|payment|BHD"], later, "BHD")[0][5] == Decimal("1.006")
    with pytest.raises(ValueError, match="CNY"):
        store.add(["u|x"], now, Decimal("1.005"), "CNY")  # more places than fen
    with pytest.raises(ValueError, match="no currency"):
        store.add(["u|x"], now, Decimal("5"), "")


def replay(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANXIN_")}
    env.update(COLUMNS="200", NO_COLOR="1")
    return subprocess.run(
        [sys.executable, "-m", "anxin.risk", "replay", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_replay_with_redis_decides_as_in_process_on_the_bucket_grid(tmp_path: Path) -> None:
    require_redis()
    events = tmp_path / "events.jsonl"
    lines = []
    for item in simulate(SimConfig(seed=11, users=50, days=8, warmup_days=4, attacks=1)):
        minute = item["ts"][:14]  # "YYYY-MM-DDTHH:" then the quarter hour, on the grid
        item["ts"] = f"{minute}{int(item['ts'][14:16]) // 15 * 15:02d}:00+00:00"
        lines.append(json.dumps(item))
    events.write_text("\n".join(lines) + "\n")
    client = RedisVelocityStore.from_url(REDIS_URL).client
    before = sum(1 for _ in client.scan_iter(match="anxin:replay:*"))

    exact = replay(str(events), "--out", str(tmp_path / "exact.jsonl"), cwd=tmp_path)
    shared = replay(
        str(events), "--out", str(tmp_path / "redis.jsonl"), "--redis", REDIS_URL, cwd=tmp_path
    )
    assert exact.returncode == 0 and shared.returncode == 0, exact.stderr + shared.stderr
    assert (tmp_path / "redis.jsonl").read_text() == (tmp_path / "exact.jsonl").read_text()
    assert sum(1 for _ in client.scan_iter(match="anxin:replay:*")) == before  # cleaned up
    client.close()


def test_replay_refuses_an_unreachable_redis(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text(
        '{"event_id": "e1", "type": "login", "ts": "2026-11-01T09:00:00Z", "user_id": "u1"}\n'
    )
    done = replay(
        str(events), "--out", str(tmp_path / "o.jsonl"), "--redis", "redis://127.0.0.1:1/0",
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2
    assert "cannot use Redis at redis://127.0.0.1:1/0" in done.stderr


def test_the_store_is_chosen_by_the_redis_setting() -> None:
    assert isinstance(open_velocity_store(None), MemoryVelocityStore)
    require_redis()
    store = open_velocity_store(REDIS_URL, prefix="anxin-test:choice:")
    assert isinstance(store, RedisVelocityStore) and store.prefix == "anxin-test:choice:"
    store.add(["u|a"], 1_790_000_000 * MICROS, Decimal("1.00"), "CNY")
    assert store.clear() == 1
    store.close()


def test_the_app_keeps_its_velocity_counters_in_redis_when_configured(
    database_url: str, tmp_path: Path, clock: ManualClock, admin: dict[str, str]
) -> None:
    """Several API workers share one set of counters: ANXIN_REDIS_URL puts them in Redis."""
    require_redis()
    app = create_app(make_settings(database_url, tmp_path, redis_url=REDIS_URL), clock)
    with TestClient(app) as client:
        store = services_of(client).risk.engine.state.velocity  # type: ignore[union-attr]
        assert isinstance(store, RedisVelocityStore)
        store.clear()
        try:
            payer, _ = person(client, "payer"), person(client, "payee")
            fund(client, admin, payer, "100.00")
            assert pay(client, payer, "payee", "10.00").status_code == 201
            assert list(store.client.scan_iter(match=store.prefix + "*"))
        finally:
            store.clear()
