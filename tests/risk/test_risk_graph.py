"""The account graph: the incremental hot path agrees with the networkx batch recompute."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from riskkit import T0

from anxin.risk.events import Event, parse_event
from anxin.risk.graph import GraphState, analyse


def make(n: int, kind: str, user: str, minutes: float, **fields: Any) -> Event:
    raw = {
        "event_id": f"g{n}",
        "type": kind,
        "ts": (T0 + timedelta(minutes=minutes)).isoformat(),
        "user_id": user,
        **fields,
    }
    if kind == "payment":
        raw.setdefault("amount", "100.00")
    return parse_event(raw)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 11),  # account
            st.one_of(st.none(), st.integers(0, 7)),  # device
            st.one_of(st.none(), st.integers(0, 3)),  # phone
        ),
        max_size=40,
    )
)
def test_incremental_components_equal_the_batch_recompute(
    links: list[tuple[int, Any, Any]],
) -> None:
    events = [
        make(
            n,
            "login",
            f"a{account}",
            n,
            device_id=f"d{device}" if device is not None else None,
            phone=f"p{phone}" if phone is not None else None,
        )
        for n, (account, device, phone) in enumerate(links)
    ]
    state = GraphState()
    for event in events:
        out: dict[str, Any] = {}
        state.read(event, out)  # what the event joins, before it is recorded...
        state.observe(event)
        # ...is exactly the component it is part of afterwards.
        assert (out["linked_accounts"], out["linked_devices"]) == state.account_links(event.user_id)
    report = analyse(events)
    for account, expected in report.components.items():
        assert state.account_links(account) == expected


def test_ring_mule_and_burst_found_by_the_batch_recompute() -> None:
    events: list[Event] = []
    n = 0

    def add(kind: str, user: str, minutes: float, **fields: Any) -> None:
        nonlocal n
        n += 1
        events.append(make(n, kind, user, minutes, **fields))

    for i in range(4):  # four accounts opened on one phone: a ring and a burst
        add("application", f"ring-{i}", i * 10, device_id="farm", phone=f"+86170{i}")
    for i in range(5):  # five unrelated people each pay one account...
        add("login", f"victim-{i}", 100 + i, device_id=f"own-{i}")
        add(
            "payment",
            f"victim-{i}",
            101 + i,
            device_id=f"own-{i}",
            payee_id="ring-0",
            amount="1000.00",
        )
    add("payment", "ring-0", 150, device_id="farm", payee_id="otc", amount="4900.00")  # ...out
    for i in range(3):  # a family: two accounts on a tablet plus own phones, not a ring
        add("login", f"family-{i % 2}", 200 + i, device_id="tablet")
        add("login", f"family-{i % 2}", 201 + i, device_id=f"phone-{i % 2}")

    report = analyse(events)
    assert report.rings == (frozenset(f"ring-{i}" for i in range(4)),)
    assert report.mules == frozenset({"ring-0"})
    assert report.bursts == (frozenset(f"ring-{i}" for i in range(4)),)
    assert "family-0" not in report.flagged

    state = GraphState()
    for event in events:
        state.observe(event)
    state.load_flags(report)
    out: dict[str, Any] = {}
    state.read(make(0, "login", "ring-3", 300), out)
    assert out["batch_flagged"] and out["linked_accounts"] == 4 and out["linked_devices"] == 1


def test_applications_and_fan_in_are_counted_in_their_windows() -> None:
    state = GraphState()
    events = [
        make(1, "application", "x1", 0, device_id="emu"),
        make(2, "application", "x2", 30, device_id="emu"),
        make(3, "payment", "s1", 31, payee_id="x1"),
        make(4, "payment", "s2", 32, payee_id="x1"),
    ]
    for event in events:
        state.observe(event)
    out: dict[str, Any] = {}
    state.read(make(5, "application", "x3", 50, device_id="emu"), out)
    assert out["linked_applications_1h"] == 3 and out["linked_accounts"] == 3
    state.read(make(6, "application", "x3", 80, device_id="emu"), out)
    assert out["linked_applications_1h"] == 2  # the first left the hour
    state.read(make(7, "payment", "x1", 40, payee_id="cash"), out)
    assert out["inbound_senders_24h"] == 2 and out["minutes_since_inbound"] == 8
    state.read(make(8, "payment", "x1", 32 + 24 * 60, payee_id="cash"), out)
    assert out["inbound_senders_24h"] == 0
