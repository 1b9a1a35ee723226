"""Risk engine quality and speed on held-out simulator data.

    .venv/bin/python benchmarks/risk.py            # full run, rewrites the Risk section
    .venv/bin/python benchmarks/risk.py --quick    # smaller, prints only

Quality: a simulator seed the model never saw (the model is trained on `TRAINING_SEED`),
100k+ events, replayed from an empty state; rates are over events after the warm-up (when
attacks start). "Caught" = decision other than allow; "friction" = a legitimate event not
allowed. Three configurations, measured in the same run: rules only (no graph features, no
model) as the baseline, rules + graph, and rules + graph + model (what ships).

Rings: for every attack whose accounts come to share devices or phones (mule rings,
application-fraud bursts), the event at which three of its accounts first become linked is
found from the simulator's own ground truth. The ring counts as flagged in time if that
event or one of the attack's next nine is stopped with a graph reason (RING or
LINKED_APPLICATION_BURST), and as stopped in time if one of the ring accounts' own first ten
events from then on is not allowed, for whatever reason.

Speed: replay throughput (decode + decide + encode, one core, no database) as the median of
several runs; in-process decision latency after 1M events of history; replay with the
hash-chained decision log written in batches to SQLite (and PostgreSQL when reachable);
decisions with the velocity counters in Redis against in-process (when Redis is reachable,
`ANXIN_BENCH_REDIS_URL`); HTTP P2P payments with the engine off and on, closed loop (eight
clients, and one payer at a time) and, with the engine on, open loop at fixed shares of the
eight-client rate, where the p99 goal is judged at a stated load.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis
from rich.console import Console
from sqlalchemy import create_engine, text

from anxin.core.clock import SystemClock, to_micros
from anxin.core.db import Database
from anxin.risk.engine import RiskEngine
from anxin.risk.events import parse_event
from anxin.risk.features import FeatureState
from anxin.risk.log import DecisionLog, verify_log
from anxin.risk.model import TRAINING_SEED, load_model, model_path, train
from anxin.risk.replay import replay
from anxin.risk.rules import shipped_rules
from anxin.risk.simulator import ATTACKS, LEGIT, SimConfig, labelled, simulate
from anxin.risk.velocity_redis import RedisVelocityStore
from common import (
    PACED_WORKERS,
    Call,
    Figure,
    Server,
    anxin_server,
    fresh_database,
    http_load,
    paced_load,
    write_section,
)
from payments import p2p_calls, seed

POSTGRES_URL = os.environ.get(
    "ANXIN_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("ANXIN_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
HELD_OUT_SEED = 424242
RING_CODES = {"RING", "LINKED_APPLICATION_BURST"}
RING_WINDOW = 10
P99_GOAL_MS = 50.0
console = Console(stderr=True)


@dataclass(frozen=True)
class Setup:
    name: str
    graph: bool
    model: bool


SETUPS = (
    Setup("rules only (baseline)", graph=False, model=False),
    Setup("rules + graph", graph=True, model=False),
    Setup("rules + graph + model", graph=True, model=True),
)


def make_engine(setup: Setup) -> RiskEngine:
    return RiskEngine(
        shipped_rules(),
        load_model() if setup.model else None,
        state=FeatureState(use_graph=setup.graph),
    )


@dataclass
class Quality:
    events: Counter[str] = field(default_factory=Counter)
    stopped: Counter[str] = field(default_factory=Counter)
    attacks: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    attacks_stopped: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    cold: int = 0
    cold_stopped: int = 0
    """Legitimate events during the warm-up, when the engine is still learning everyone."""
    rings: int = 0
    rings_in_time: int = 0
    ring_delays: list[int] = field(default_factory=list)
    rings_stopped_in_time: int = 0
    """Rings with a decision other than allow on one of their accounts within
    `RING_WINDOW` of their events from the moment three of them are linked."""

    def rate(self, label: str) -> float:
        return self.stopped[label] / self.events[label] if self.events[label] else 0.0

    def instance_rate(self, label: str) -> float:
        total = len(self.attacks[label])
        return len(self.attacks_stopped[label]) / total if total else 0.0


def measure_quality(setup: Setup, raw: list[dict[str, Any]], since: int) -> Quality:
    engine = make_engine(setup)
    quality = Quality()
    codes_by_event: dict[str, tuple[str, ...] | None] = {}
    """Attack events: the reason codes when stopped, None when allowed."""
    for item, (event, _) in zip(raw, labelled(raw), strict=True):
        verdict = engine.decide(event)
        label = str(item["label"])
        if label != LEGIT:
            codes_by_event[event.event_id] = verdict.codes if verdict.decision != "allow" else None
        if event.ts < since:
            quality.cold += 1
            quality.cold_stopped += verdict.decision != "allow"
            continue
        quality.events[label] += 1
        stopped = verdict.decision != "allow"
        quality.stopped[label] += stopped
        if label != LEGIT:
            quality.attacks[label].add(str(item["attack_id"]))
            if stopped:
                quality.attacks_stopped[label].add(str(item["attack_id"]))
    for flagged, stopped in ring_delays(raw, codes_by_event):
        quality.rings += 1
        if flagged is not None:
            quality.ring_delays.append(flagged)
            quality.rings_in_time += flagged < RING_WINDOW
        quality.rings_stopped_in_time += stopped is not None and stopped < RING_WINDOW
    return quality


def ring_delays(
    raw: list[dict[str, Any]], codes: dict[str, tuple[str, ...] | None]
) -> Iterable[tuple[int | None, int | None]]:
    """Per ring (an attack whose accounts come to share devices or phones, three or more
    linked), from the event that linked the third account: (a) how many of the attack's
    events (victims' payments into the ring included) passed before one was stopped with a
    graph reason; (b) how many of the ring accounts' own events passed before one of them
    was stopped for any reason. None: never."""
    by_attack: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in raw:
        if item["label"] != LEGIT:
            by_attack[str(item["attack_id"])].append(item)
    for events in by_attack.values():
        formed = _formed_at(events)
        if formed is None:
            continue
        index, ring = formed
        after = [codes.get(str(item["event_id"])) for item in events[index:]]
        own = [
            codes.get(str(item["event_id"])) for item in events[index:] if item["user_id"] in ring
        ]
        flagged = next((n for n, c in enumerate(after) if c and RING_CODES & set(c)), None)
        stopped = next((n for n, c in enumerate(own) if c is not None), None)
        yield flagged, stopped


def _formed_at(events: list[dict[str, Any]]) -> tuple[int, frozenset[str]] | None:
    """The index of the event at which three of the attack's accounts first become linked
    (shared device or phone), and those accounts."""
    parent: dict[str, str] = {}

    def find(node: str) -> str:
        while parent.setdefault(node, node) != node:
            node = parent[node]
        return node

    for index, item in enumerate(events):
        account = "u:" + str(item["user_id"])
        for key, prefix in (("device_id", "d:"), ("phone", "h:")):
            if item.get(key):
                parent[find(prefix + str(item[key]))] = find(account)
        groups = Counter(find(node) for node in parent if node.startswith("u:"))
        if groups:
            root, size = groups.most_common(1)[0]
            if size >= 3:
                ring = frozenset(n[2:] for n in parent if n.startswith("u:") and find(n) == root)
                return index, ring
    return None


def measure_replay(setup: Setup, payload: bytes) -> tuple[float, float]:
    """One replay from an empty state: (events per wall second, per CPU second).

    CPU time is reported beside wall time because the machine may be shared: it is what the
    engine itself costs, whatever else runs."""
    engine = make_engine(setup)
    sink = io.StringIO()
    wall, cpu = time.perf_counter(), time.process_time()
    stats = replay(io.BytesIO(payload), sink, engine)
    return (
        stats.events / (time.perf_counter() - wall),
        stats.events / (time.process_time() - cpu),
    )


def measure_latency(
    history: list[dict[str, Any]], probes: list[dict[str, Any]]
) -> dict[str, float]:
    """Per-decision latency (decide only) once the engine has seen `history`."""
    engine = make_engine(SETUPS[-1])
    for raw in history:
        engine.decide(parse_event(raw))
    events = [parse_event(raw) for raw in probes]
    chunks: list[list[int]] = [[], [], []]
    for index, event in enumerate(events):
        started = time.perf_counter_ns()
        engine.decide(event)
        chunks[index * 3 // len(events)].append(time.perf_counter_ns() - started)
    summary: dict[str, list[float]] = defaultdict(list)
    for chunk in chunks:
        ordered = sorted(chunk)
        for name, q in (("p50", 0.5), ("p99", 0.99), ("p99.9", 0.999)):
            summary[name].append(ordered[min(len(ordered) - 1, int(len(ordered) * q))] / 1e6)
        summary["max"].append(ordered[-1] / 1e6)
    return {name: statistics.median(values) for name, values in summary.items()}


@dataclass
class Shared:
    """Deciding with the velocity counters in Redis, beside the in-process store."""

    events: int
    rates: dict[str, float]
    p50_ms: dict[str, float]
    p99_ms: dict[str, float]
    differing: int
    """Decisions that differ from the in-process store's (the buckets' approximation)."""


def measure_redis(raw: list[dict[str, Any]]) -> Shared | None:
    """The same events decided with the in-process store and with Redis, from empty."""
    try:
        store = RedisVelocityStore.from_url(REDIS_URL, prefix=f"anxin:bench:{os.getpid()}:")
        store.client.ping()
    except (redis.RedisError, ValueError):
        return None
    events = [parse_event(item) for item in raw]
    rates: dict[str, float] = {}
    p50: dict[str, float] = {}
    p99: dict[str, float] = {}
    decisions: dict[str, list[str]] = {}
    try:
        for name, velocity in (("in-process", None), ("Redis", store)):
            engine = RiskEngine(shipped_rules(), load_model(), state=FeatureState(velocity))
            times: list[int] = []
            mine: list[str] = []
            started = time.perf_counter()
            for event in events:
                begun = time.perf_counter_ns()
                mine.append(engine.decide(event).decision)
                times.append(time.perf_counter_ns() - begun)
            rates[name] = len(events) / (time.perf_counter() - started)
            times.sort()
            p50[name] = times[len(times) // 2] / 1e6
            p99[name] = times[int(len(times) * 0.99)] / 1e6
            decisions[name] = mine
    finally:
        store.clear()
        store.close()
    differing = sum(
        a != b for a, b in zip(decisions["in-process"], decisions["Redis"], strict=True)
    )
    return Shared(len(events), rates, p50, p99, differing)


HttpFigures = tuple[Figure, Figure, Figure, Figure]
"""Eight clients with the engine off and on, then one payer at a time off and on."""


@dataclass
class Paced:
    """Open-loop HTTP payments with the engine on, offered at `share` of the eight-client
    rate measured just before on the same server: a latency goal means something only at
    a stated load."""

    share: float
    seconds: float
    figure: Figure
    offered: list[float] = field(default_factory=list)

    @property
    def median_offered(self) -> float:
        return statistics.median(self.offered)

    @property
    def median_p99(self) -> float:
        return statistics.median(self.figure.p99_ms)


def measure_http(runs: int, count: int, paced: list[Paced]) -> HttpFigures | str:
    """HTTP P2P payments (`benchmarks/payments.py`'s harness, SQLite) with the risk engine
    off and on (`ANXIN_RISK_ENGINE`), interleaved run by run; a string says why not.

    Eight clients each waiting for their answer keep the server saturated, so their latency
    is mostly queueing (clients / throughput); one payer at a time shows what a payment
    costs when nobody is ahead of it. The server's CPU time per payment is what this
    machine's speed does not hide behind queueing. With the engine on, each of `paced`
    then runs open loop on the same server, its rate a share of that run's eight-client
    rate, so every run is paced against what the server just showed it can do."""
    figures = (
        Figure("sqlite", "8 clients, risk engine off"),
        Figure("sqlite", "8 clients, risk engine on"),
        Figure("sqlite", "1 payer at a time, risk engine off"),
        Figure("sqlite", "1 payer at a time, risk engine on"),
    )
    rng = random.Random(11)
    try:
        for attempt in range(runs):
            for index, enabled in ((0, "false"), (1, "true")):
                console.print(f"HTTP P2P, risk engine {enabled}, run {attempt + 1} of {runs}")
                with fresh_database("sqlite") as url, tempfile.TemporaryDirectory() as data:
                    os.environ["ANXIN_RISK_ENGINE"] = enabled
                    try:
                        world = seed(url, Path(data))
                        with anxin_server(url) as server:
                            together = p2p_calls(world, count, "alias", rng)
                            _timed_load(server, together, figures[index])
                            split = p2p_calls(world, count // 3, "alias", rng)
                            alone = [[call for client in split for call in client]]
                            _timed_load(server, alone, figures[index + 2])
                            if enabled == "true":
                                _paced_runs(server, world, figures[index].tps[-1], paced, rng)
                    finally:
                        del os.environ["ANXIN_RISK_ENGINE"]
    except (RuntimeError, OSError) as exc:
        return f"not measured: {exc}"
    return figures


def _paced_runs(
    server: Server, world: dict[str, Any], closed: float, paced: list[Paced], rng: random.Random
) -> None:
    """Each of `paced` open loop at its share of `closed` payments per second."""
    for point in paced:
        rate = point.share * closed
        point.offered.append(rate)
        calls = p2p_calls(world, round(rate * point.seconds), "alias", rng)
        _timed_load(server, calls, point.figure, rate)


def _timed_load(
    server: Server, calls: list[list[Call]], figure: Figure, rate: float | None = None
) -> None:
    """Closed loop, or open loop at `rate` calls per second with the clients' calls as one
    schedule; either way the server's CPU time per call goes into `figure`."""
    before = server.cpu_seconds()
    if rate is None:
        http_load(server.port, calls, 201, figure)
    else:
        paced_load(server.port, [call for client in calls for call in client], rate, 201, figure)
    count = sum(len(client) for client in calls)
    figure.cpu_ms.append(1000 * (server.cpu_seconds() - before) / count)


def measure_logged(url: str, payload: bytes, events: int) -> tuple[float, bool]:
    database = Database(url)
    database.upgrade()
    engine = make_engine(SETUPS[-1])
    log = DecisionLog(database, SystemClock(), batch=1000, model_version=load_model().version)
    engine.record = log.record
    started = time.perf_counter()
    stats = replay(io.BytesIO(payload), io.StringIO(), engine)
    log.flush()
    rate = stats.events / (time.perf_counter() - started)
    with database.read() as conn:
        ok = verify_log(conn).ok and log.written == events
    database.dispose()
    return rate, ok


def postgres_schema() -> tuple[str, Any] | None:
    admin = create_engine(
        POSTGRES_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    try:
        name = f"bench_risk_{os.getpid()}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{name}"'))
    except Exception:
        admin.dispose()
        return None
    return f"{POSTGRES_URL}?options=-csearch_path%3D{name}", (admin, name)


def drop_schema(handle: Any) -> None:
    admin, name = handle
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
    admin.dispose()


def latency_after(history_size: int) -> dict[str, float]:
    console.print(f"latency after {history_size:,} events of history")
    big = SimConfig(seed=HELD_OUT_SEED + 1, users=max(50, history_size * 2000 // 150_000 + 200))
    stream = simulate(big)
    while len(stream) < history_size + 30_000:
        big = SimConfig(seed=big.seed, users=big.users * 3 // 2)
        stream = simulate(big)
    return measure_latency(stream[:history_size], stream[history_size : history_size + 30_000])


def logging_rates(sample: bytes, sample_events: int) -> list[tuple[str, float, bool]]:
    logged: list[tuple[str, float, bool]] = []
    with tempfile.TemporaryDirectory() as tmp:
        console.print("replay with the decision log: SQLite")
        rate, ok = measure_logged(f"sqlite:///{tmp}/risk.db", sample, sample_events)
        logged.append(("SQLite", rate, ok))
    schema = postgres_schema()
    if schema is not None:
        console.print("replay with the decision log: PostgreSQL")
        try:
            rate, ok = measure_logged(schema[0], sample, sample_events)
            logged.append(("PostgreSQL", rate, ok))
        finally:
            drop_schema(schema[1])
    return logged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller runs, print only")
    parser.add_argument("--runs", type=int, default=5, help="runs per throughput figure (median)")
    args = parser.parse_args()
    quick = args.quick
    runs = 1 if quick else args.runs
    load = os.getloadavg()

    config = SimConfig(seed=HELD_OUT_SEED, users=600 if quick else 2000)
    console.print(
        f"simulating held-out seed {config.seed} ({config.users} people, {config.days} days)"
    )
    raw = simulate(config)
    since = to_micros(config.warmup_end)
    payload = "".join(json.dumps(item) + "\n" for item in raw).encode()

    qualities: dict[str, Quality] = {}
    for setup in SETUPS:
        console.print(f"quality: {setup.name}")
        qualities[setup.name] = measure_quality(setup, raw, since)
    # Interleaved, so a neighbour's burst of load hits every configuration alike.
    speeds: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for run in range(runs):
        console.print(f"throughput, run {run + 1} of {runs}")
        for setup in SETUPS:
            speeds[setup.name].append(measure_replay(setup, payload))

    history_size = 50_000 if quick else 1_000_000
    latency = latency_after(history_size)
    sample = payload if quick else b"".join(payload.splitlines(keepends=True)[:40_000])
    sample_events = sample.count(b"\n")
    logged = logging_rates(sample, sample_events)
    console.print("decisions with the velocity counters in Redis")
    shared = measure_redis(raw[: 5_000 if quick else 20_000])
    shares, seconds = ((0.5,), 5.0) if quick else ((0.25, 0.5, 0.75), 15.0)
    paced = [Paced(share, seconds, Figure("sqlite", f"{share:.0%} of 8 clients' rate"))
             for share in shares]  # fmt: skip
    http = measure_http(1 if quick else 3, 800 if quick else 3000, paced)

    reproducible: bool | None = None
    if not quick:
        console.print(f"retraining the model from seed {TRAINING_SEED}")
        doc = train(labelled(simulate(SimConfig(seed=TRAINING_SEED))), seed=TRAINING_SEED)
        reproducible = json.loads(model_path().read_text()) == doc

    command = "python benchmarks/risk.py " + " ".join(sys.argv[1:])
    markdown = report(
        config,
        len(raw),
        qualities,
        speeds,
        latency,
        history_size,
        logged,
        sample_events,
        shared,
        http,
        paced,
        reproducible,
        command.strip(),
        load,
    )
    print(markdown)
    if not quick:
        write_section("Risk", markdown)


def report(
    config: SimConfig,
    events: int,
    qualities: dict[str, Quality],
    speeds: dict[str, list[tuple[float, float]]],
    latency: dict[str, float],
    history: int,
    logged: list[tuple[str, float, bool]],
    logged_events: int,
    shared: Shared | None,
    http: HttpFigures | str,
    paced: list[Paced],
    reproducible: bool | None,
    command: str,
    load: tuple[float, float, float],
) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    cpu = platform.processor() or platform.machine()
    machine = f"{cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    shipped = SETUPS[-1].name
    best = qualities[shipped]
    lines = [
        "## Risk",
        "",
        f"`{command}` on {now}; {machine}; load average {load[0]:.1f} at the start and "
        f"{os.getloadavg()[0]:.1f} at the end (the machine is shared with other jobs: events "
        "per CPU-second are less sensitive to that than events per second).",
        "",
        f"Held-out simulator run: seed {config.seed}, {config.users:,} people, {config.days} days, "
        f"{events:,} events; rates over the {sum(best.events.values()):,} events after the "
        f"{config.warmup_days}-day warm-up. The model was trained on seed {TRAINING_SEED}.",
        "",
        "| not allowed (events) | " + " | ".join(s.name for s in SETUPS) + " |",
        "|---|" + "---:|" * len(SETUPS),
    ]
    for label in (*ATTACKS, LEGIT):
        name = (
            f"{label} ({best.events[label]:,})"
            if label != LEGIT
            else f"**legit friction** ({best.events[label]:,})"
        )
        lines.append(
            f"| {name} | "
            + " | ".join(f"{qualities[s.name].rate(label):.1%}" for s in SETUPS)
            + " |"
        )
    lines.append(
        "| attacks with at least one event stopped | "
        + " | ".join(
            f"{sum(len(q.attacks_stopped[a]) for a in ATTACKS)}"
            f"/{sum(len(q.attacks[a]) for a in ATTACKS)}"
            for q in (qualities[s.name] for s in SETUPS)
        )
        + " |"
    )
    lines.append(
        f"| rings flagged within {RING_WINDOW} events of forming | "
        + " | ".join(
            f"{q.rings_in_time}/{q.rings} ({q.rings_in_time / q.rings:.0%})" if q.rings else "-"
            for q in (qualities[s.name] for s in SETUPS)
        )
        + " |"
    )
    lines.append(
        f"| rings stopped (any reason) within {RING_WINDOW} events of forming | "
        + " | ".join(
            f"{q.rings_stopped_in_time}/{q.rings} ({q.rings_stopped_in_time / q.rings:.0%})"
            if q.rings
            else "-"
            for q in (qualities[s.name] for s in SETUPS)
        )
        + " |"
    )
    lines.append(
        "| (legit friction during the warm-up, from an empty state) | "
        + " | ".join(
            f"{q.cold_stopped / q.cold:.1%}" if q.cold else "-"
            for q in (qualities[s.name] for s in SETUPS)
        )
        + " |"
    )
    base = statistics.median(wall for wall, _ in speeds[SETUPS[0].name])
    base_cpu = statistics.median(cpu for _, cpu in speeds[SETUPS[0].name])
    lines += [
        "",
        "| replay, one core, no database | events/s (median) | vs baseline "
        "| events per CPU-second (median) | vs baseline | runs |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for setup in SETUPS:
        wall = statistics.median(w for w, _ in speeds[setup.name])
        cpu = statistics.median(c for _, c in speeds[setup.name])
        lines.append(
            f"| {setup.name} | {wall:,.0f} | {wall / base:.2f}× | {cpu:,.0f} "
            f"| {cpu / base_cpu:.2f}× | {len(speeds[setup.name])} |"
        )
    lines += [
        "",
        f"In-process decision latency ({shipped}) after {history:,} events of history, "
        "median of three 10,000-event windows: "
        + ", ".join(f"{name} {value:.3f} ms" for name, value in latency.items())
        + ".",
        "",
    ]
    for backend, rate, ok in logged:
        lines.append(
            f"Replay of {logged_events:,} events with the hash-chained decision log in "
            f"batches of 1,000 ({backend}): {rate:,.0f} events/s; chain verified: "
            f"{'yes' if ok else 'NO'}."
        )
    lines.append("")
    if shared is None:
        lines.append(f"Redis velocity store: not measured (no Redis at {REDIS_URL}).")
    else:
        lines += [
            f"Velocity counters in Redis (`ANXIN_REDIS_URL`; one Lua script round trip per "
            f"event) against in-process, the first {shared.events:,} held-out events decided "
            "from an empty state, one at a time:",
            "",
            "| velocity store | decisions/s | vs in-process | p50 ms | p99 ms |",
            "|---|---:|---:|---:|---:|",
        ]
        base_rate = shared.rates["in-process"]
        for name, rate in shared.rates.items():
            lines.append(
                f"| {name} | {rate:,.0f} | {rate / base_rate:.2f}× "
                f"| {shared.p50_ms[name]:.3f} | {shared.p99_ms[name]:.3f} |"
            )
        lines += [
            "",
            f"Decisions that differ because Redis counts in time buckets: {shared.differing:,} "
            f"of {shared.events:,}.",
        ]
    lines.append("")
    if isinstance(http, str):
        lines.append(f"HTTP P2P payments with the risk engine on and off: {http}")
    else:
        lines += [
            "HTTP P2P payments end to end (`benchmarks/payments.py`'s harness: keep-alive "
            "clients on the same machine, SQLite, payment to a contact alias), the risk engine "
            f"off (`ANXIN_RISK_ENGINE=false`) and on, interleaved, medians of {len(http[0].tps)} "
            "runs. Eight clients saturate the server, so their latency is mostly the queue; "
            "one payer at a time shows a payment with nobody ahead of it. Server CPU is the "
            "server process's CPU time (all threads) per payment:",
            "",
            "| P2P payment | payments/s | vs engine off | p50 / p99 ms | server CPU ms |",
            "|---|---:|---:|---:|---:|",
        ]
        for index, figure in enumerate(http):
            off = http[index - index % 2]
            lines.append(
                f"| {figure.scenario} | {figure.median_tps:,.0f} "
                f"| {figure.median_tps / off.median_tps:.2f}× | {figure.latency()} "
                f"| {figure.cpu()} |"
            )
        lines += paced_lines(paced)
    if reproducible is not None:
        lines += [
            "",
            f"Shipped model reproduced byte for byte by retraining from seed {TRAINING_SEED}: "
            f"{'yes' if reproducible else 'NO'}.",
        ]
    return "\n".join(lines) + "\n"


def paced_lines(paced: list[Paced]) -> list[str]:
    """The open-loop table and the highest offered rate that met the p99 goal."""
    if not paced:
        return []
    lines = [
        "",
        "Open loop, risk engine on (as wrk2 does): payments are due at a fixed rate, evenly "
        f"spaced, and each goes out when due from a pool of {PACED_WORKERS} connections "
        "whether or not earlier ones have answered; latency counts from when it was due, so "
        "waiting behind a server that fell behind is not hidden. Rates are shares of the "
        f"eight-client rate measured just before on the same server, {paced[0].seconds:.0f} s "
        f"each, medians of {len(paced[0].offered)} runs:",
        "",
        "| open loop, risk engine on | offered/s | achieved/s | p50 ms | p99 ms | server CPU ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for point in paced:
        figure = point.figure
        lines.append(
            f"| {figure.scenario} | {point.median_offered:,.0f} | {figure.median_tps:,.0f} "
            f"| {statistics.median(figure.p50_ms):.2f} | {point.median_p99:.2f} "
            f"| {figure.cpu()} |"
        )
    met = [p.median_offered for p in paced if p.median_p99 < P99_GOAL_MS]
    lines += [
        "",
        f"Highest offered rate with p99 < {P99_GOAL_MS:.0f} ms: "
        + (f"{max(met):,.0f} payments/s." if met else "none of the rates measured."),
    ]
    return lines


if __name__ == "__main__":
    main()
