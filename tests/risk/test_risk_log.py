"""The decision log and the lists, on SQLite and PostgreSQL: append-only, tamper-evident."""

from __future__ import annotations

import contextlib
import json
import math
import threading
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from riskkit import Story, fresh_engine
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError

from anxin.core.clock import ManualClock, to_micros
from anxin.core.db import Database
from anxin.core.errors import InvalidInput
from anxin.risk.engine import RiskEngine
from anxin.risk.lists import add_entry, audit_trail, load_lists, remove_entry
from anxin.risk.log import DecisionLog, snapshot, verify_log


@pytest.fixture
def engine() -> RiskEngine:
    return fresh_engine()


@pytest.fixture
def story(engine: RiskEngine) -> Story:
    return Story(engine)


def fill(db: Database, clock: ManualClock, engine: RiskEngine, story: Story, *, days: int) -> int:
    log = DecisionLog(db, clock, batch=7, model_version="lr-test")
    engine.record = log.record
    story.habits("alice", days=days)
    log.flush()
    return log.written


def test_every_decision_is_logged_with_its_context_and_the_chain_verifies(
    db: Database, clock: ManualClock, engine: RiskEngine, story: Story
) -> None:
    written = fill(db, clock, engine, story, days=3)
    assert written == 12
    with db.read() as conn:
        report = verify_log(conn)
        row = conn.execute(text("SELECT * FROM risk_decisions WHERE seq = 2")).mappings().one()
    assert report.ok and report.rows == 12 and len(report.head) == 64
    assert row["ruleset"] == engine.rules.label and row["model"] == "lr-test"
    features = json.loads(row["features"])
    assert features["amount"] == "35.50" and features["type"] == "payment"
    assert json.loads(row["reasons"]) == []

    # A second writer later continues the same chain.
    more = DecisionLog(db, clock, batch=100)
    engine.record = more.record
    story.decide("login", clock.now(), "bob")
    more.flush()
    with db.read() as conn:
        assert verify_log(conn).rows == 13 and verify_log(conn).ok


def test_a_batch_that_fails_to_write_is_kept_and_written_next_time(
    db: Database, clock: ManualClock, engine: RiskEngine, story: Story,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    log = DecisionLog(db, clock, batch=1000)
    engine.record = log.record
    story.habits("alice", days=2)
    real_write = db.write

    def database_gone() -> Any:
        raise OperationalError("INSERT", {}, Exception("database is down"))

    monkeypatch.setattr(db, "write", database_gone)
    with pytest.raises(OperationalError):
        log.flush()
    monkeypatch.setattr(db, "write", real_write)
    story.decide("login", clock.now(), "bob")  # recorded after the failure: comes after
    assert log.flush() == 9
    with db.read() as conn:
        report = verify_log(conn)
        users = conn.execute(text("SELECT user_id FROM risk_decisions ORDER BY seq")).scalars()
        assert report.ok and report.rows == 9 and list(users)[-1] == "bob"


def test_decisions_keep_being_recorded_while_a_batch_is_written(
    db: Database, clock: ManualClock, engine: RiskEngine, story: Story
) -> None:
    """The live service writes the log from its maintenance loop while payments are decided;
    a decision recorded mid-write goes into the next batch, never lost nor written twice."""
    log = DecisionLog(db, clock, batch=10_000)
    engine.record = log.record
    story.habits("alice", days=2)
    writing, recorded = threading.Event(), threading.Event()
    real_write = db.write

    @contextlib.contextmanager
    def slow_write() -> Iterator[Any]:
        writing.set()
        assert recorded.wait(10)
        with real_write() as conn:
            yield conn

    db.write = slow_write  # type: ignore[method-assign]
    flusher = threading.Thread(target=log.flush)
    flusher.start()
    assert writing.wait(10)
    story.decide("login", clock.now(), "bob")
    recorded.set()
    flusher.join(10)
    db.write = real_write  # type: ignore[method-assign]
    assert log.written == 8 and log.flush() == 1
    with db.read() as conn:
        assert verify_log(conn).ok and verify_log(conn).rows == 9


FEATURE_VALUES = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False, places=2),
    st.floats(),  # infinities and NaN included: JSON cannot say them, the log spells them
    st.integers(), st.text(max_size=5), st.booleans(), st.none(),
)  # fmt: skip


@given(st.dictionaries(st.text(min_size=1, max_size=8), FEATURE_VALUES, max_size=12))
def test_a_feature_snapshot_is_canonical_json_with_exact_decimals(
    features: dict[str, Any],
) -> None:
    text = snapshot(features)
    assert list(json.loads(text)) == sorted(features), "keys sorted, none lost"
    for name, value in json.loads(text).items():
        given_value = features[name]
        if isinstance(given_value, Decimal) or (
            isinstance(given_value, float) and not math.isfinite(given_value)
        ):
            assert value == str(given_value)
        else:
            assert value == given_value
    assert snapshot(dict(reversed(features.items()))) == text


def test_the_log_refuses_updates_and_deletes(
    db: Database, clock: ManualClock, engine: RiskEngine, story: Story
) -> None:
    fill(db, clock, engine, story, days=1)
    for statement in (
        "UPDATE risk_decisions SET decision = 'allow' WHERE seq = 1",
        "DELETE FROM risk_decisions WHERE seq = 1",
    ):
        with pytest.raises(DBAPIError, match="append-only"), db.write() as conn:
            conn.execute(text(statement))


def test_tampering_that_bypasses_the_triggers_is_detected(
    db: Database, clock: ManualClock, engine: RiskEngine, story: Story
) -> None:
    fill(db, clock, engine, story, days=3)
    with db.write() as conn:
        if db.is_sqlite:
            conn.execute(text("DROP TRIGGER risk_decisions_no_update"))
            conn.execute(text("DROP TRIGGER risk_decisions_no_delete"))
        else:
            conn.execute(
                text("ALTER TABLE risk_decisions DISABLE TRIGGER risk_decisions_append_only")
            )
        conn.execute(text("UPDATE risk_decisions SET decision = 'block' WHERE seq = 3"))
        conn.execute(text("UPDATE risk_decisions SET features = '{}' WHERE seq = 6"))
        conn.execute(text("DELETE FROM risk_decisions WHERE seq = 9"))
    with db.read() as conn:
        report = verify_log(conn)
    assert not report.ok
    assert any(p.startswith("seq 3: hash mismatch") for p in report.problems)
    assert any(p.startswith("seq 6: hash mismatch") for p in report.problems)
    assert any("seq 9..9: missing" in p for p in report.problems)
    assert any(p.startswith("seq 10: prev_hash") for p in report.problems)


def test_lists_change_with_an_audit_trail_and_expire(db: Database, clock: ManualClock) -> None:
    until = to_micros(clock.now() + timedelta(days=7))
    add_entry(
        db,
        clock,
        "block",
        "device",
        "stolen-1",
        actor="ana",
        note="reported stolen",
        expires_at=until,
    )
    add_entry(db, clock, "allow", "account", "vip", actor="ana", note="verified")
    with pytest.raises(InvalidInput, match="list must be"):
        add_entry(db, clock, "grey", "device", "x", actor="ana", note="?")
    with pytest.raises(InvalidInput, match="future"):
        add_entry(
            db,
            clock,
            "block",
            "ip",
            "1.2.3.4",
            actor="ana",
            note="old",
            expires_at=to_micros(clock.now()),
        )
    assert remove_entry(db, clock, "allow", "account", "vip", actor="ben", note="closed")
    assert not remove_entry(db, clock, "allow", "account", "vip", actor="ben", note="again")

    lists = load_lists(db)
    assert len(lists) == 1
    story = Story(RiskEngine.__new__(RiskEngine))
    soon = story.event("login", clock.now() + timedelta(days=1), "u", device_id="stolen-1")
    later = story.event("login", clock.now() + timedelta(days=8), "u", device_id="stolen-1")
    hit = lists.check(soon)
    assert hit is not None and hit.list == "block" and lists.check(later) is None

    trail = audit_trail(db)
    assert [(row["action"], row["actor"], row["value"]) for row in trail] == [
        ("remove", "ben", "vip"),
        ("add", "ana", "vip"),
        ("add", "ana", "stolen-1"),
    ]
    with pytest.raises(DBAPIError, match="append-only"), db.write() as conn:
        conn.execute(text("DELETE FROM risk_list_audit"))
