"""Ledger throughput and latency: posted transfers per second, on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/ledger.py            # full run, rewrites BENCHMARKS.md
    .venv/bin/python benchmarks/ledger.py --quick    # smaller, prints only

Every figure is the median of several runs on a fresh database. Ratios compare each way of
posting with one-transfer-per-transaction posting measured in the same run (the baseline).
Every transfer carries an idempotency key and every commit is durable (SQLite WAL with
synchronous=FULL; PostgreSQL defaults), so the figures are for acknowledged, crash-safe money.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import random
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, text

from anxin.core.clock import SystemClock
from anxin.core.db import Database
from anxin.ledger.posting import Create, TransferSpec
from anxin.ledger.service import Ledger, Request, fingerprint
from anxin.ledger.writer import LedgerWriter
from common import (
    ADMIN_TOKEN,
    Call,
    Figure,
    anxin_server,
    fresh_database,
    http_load,
    machine,
    write_section,
)

ACCOUNTS = 10_000
console = Console(stderr=True)


@dataclass
class Book:
    ledger: Ledger
    accounts: list[str]
    hot: str
    rng: random.Random

    def request(self, hot: bool) -> Request:
        if hot:
            debit, credit = self.hot, self.rng.choice(self.accounts)
        else:
            debit, credit = self.rng.sample(self.accounts, 2)
        key = uuid.uuid4().hex
        spec = TransferSpec(debit, credit, self.rng.randint(1, 10_000), "CNY")
        return Request(Create((spec,)), key, "bench", fingerprint("transfer", key))


def funded_book(url: str) -> Book:
    """10k no-overdraft accounts, each funded, plus one hot account with a large balance."""
    db = Database(url)
    ledger = Ledger(db, SystemClock())
    bank = ledger.open_account("CNY", no_overdraft=False, kind="bank")["id"]
    accounts = [row["id"] for row in ledger.open_accounts("CNY", ACCOUNTS)]
    hot = ledger.open_account("CNY")["id"]
    for start in range(0, ACCOUNTS, 2000):
        ledger.execute([
            Request(Create((TransferSpec(bank, a, 10**10, "CNY"),)))
            for a in accounts[start : start + 2000]
        ])  # fmt: skip
    ledger.run(Create((TransferSpec(bank, hot, 10**15, "CNY"),)))
    return Book(ledger, accounts, hot, random.Random(7))


# -- scenarios ----------------------------------------------------------------------------


def one_at_a_time(book: Book, count: int, hot: bool, figure: Figure) -> None:
    requests = [book.request(hot) for _ in range(count)]
    latencies = []
    started = time.perf_counter()
    for request in requests:
        t0 = time.perf_counter()
        book.ledger.execute([request])[0].unwrap()
        latencies.append(time.perf_counter() - t0)
    figure.add(count, time.perf_counter() - started, latencies)


def batched(book: Book, count: int, size: int, hot: bool, figure: Figure) -> None:
    requests = [book.request(hot) for _ in range(count)]
    started = time.perf_counter()
    for start in range(0, count, size):
        for result in book.ledger.execute(requests[start : start + size]):
            result.unwrap()
    figure.add(count, time.perf_counter() - started)


def group_commit(book: Book, count: int, threads: int, hot: bool, figure: Figure) -> None:
    """`threads` callers each posting one transfer at a time through the shared writer."""
    writer = LedgerWriter(book.ledger)
    writer.start()
    per_thread = [[book.request(hot) for _ in range(count // threads)] for _ in range(threads)]
    latencies: list[float] = []
    lock = threading.Lock()

    def client(requests: list[Request]) -> None:
        mine = []
        for request in requests:
            t0 = time.perf_counter()
            writer.execute(request).unwrap()
            mine.append(time.perf_counter() - t0)
        with lock:
            latencies.extend(mine)

    workers = [threading.Thread(target=client, args=(r,)) for r in per_thread]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    figure.add(len(latencies), time.perf_counter() - started, latencies)
    writer.stop()


def over_http(url: str, book: Book, count: int, clients: int, hot: bool, figure: Figure) -> None:
    """`clients` keep-alive HTTP clients against `anxin serve`, each waiting for its answer."""
    calls = [
        [_http_call(book.request(hot)) for _ in range(count // clients)] for _ in range(clients)
    ]
    with anxin_server(url) as server:
        http_load(server.port, calls, 201, figure)


def _http_call(request: Request) -> Call:
    assert isinstance(request.command, Create)
    spec = request.command.specs[0]
    body = {
        "debit_account_id": spec.debit_account_id, "credit_account_id": spec.credit_account_id,
        "amount": f"{spec.amount / 100:.2f}", "currency": "CNY",
    }  # fmt: skip
    headers = {
        "Authorization": f"Bearer {ADMIN_TOKEN}", "Idempotency-Key": request.idempotency_key or "",
        "Content-Type": "application/json",
    }  # fmt: skip
    return "POST", "/v1/ledger/transfers", headers, json.dumps(body).encode()


def bytes_per_transfer(backend: str, url: str, book: Book, count: int) -> float:
    before = _size(backend, url)
    for start in range(0, count, 1000):
        book.ledger.execute([book.request(False) for _ in range(min(1000, count - start))])
    return (_size(backend, url) - before) / count


def _size(backend: str, url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        if backend == "sqlite":
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one()
            free = conn.exec_driver_sql("PRAGMA freelist_count").scalar_one()
            size = conn.exec_driver_sql("PRAGMA page_size").scalar_one()
            result = int((pages - free) * size)
        else:
            result = int(conn.execute(text(
                "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relkind = 'r' "
                "AND c.relname <> 'ledger_accounts'"
            )).scalar_one())  # fmt: skip
    engine.dispose()
    return result


def profile_batched(backend: str, size: int) -> list[tuple[str, float]]:
    """Where a batch's time goes, grouped by layer (share of profiled time)."""
    with fresh_database(backend) as url:
        book = funded_book(url)
        requests = [book.request(False) for _ in range(size)]
        profiler = cProfile.Profile()
        profiler.enable()
        book.ledger.execute(requests)
        profiler.disable()
        book.ledger.db.dispose()
    stats = pstats.Stats(profiler)
    layers: dict[str, float] = {}
    for (filename, _line, name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        layers[_layer(filename, name)] = layers.get(_layer(filename, name), 0.0) + tottime
    total = sum(layers.values())
    return sorted(((k, v / total) for k, v in layers.items()), key=lambda kv: -kv[1])


def _layer(filename: str, name: str) -> str:
    if "posting.py" in filename or "ids.py" in filename or "sha256" in name:
        return "posting rules, ids and hashes (Python)"
    if "store.py" in filename or "json" in filename:
        return "building rows for the driver (Python)"
    if (
        "sqlite3" in name
        or "executemany" in name
        or "psycopg" in filename
        or name in ("<method 'commit' of 'sqlite3.Connection' objects>",)
    ):
        return "database driver and engine (incl. fsync)"
    if "sqlalchemy" in filename:
        return "SQLAlchemy Core (reads, transaction)"
    return "other"


# -- main ---------------------------------------------------------------------------------


Scenario = tuple[str, Callable[[str, Book, Figure], None]]


def scenarios(backend: str, scale: float) -> list[Scenario]:
    single = int((1000 if backend == "sqlite" else 2000) * scale)
    many = int(40_000 * scale)
    calls = int(8_000 * scale)
    return [
        ("one per transaction (baseline)", lambda u, b, f: one_at_a_time(b, single, False, f)),
        ("batched 1,000, uniform", lambda u, b, f: batched(b, many, 1000, False, f)),
        ("batched 8,000, uniform", lambda u, b, f: batched(b, many, 8000, False, f)),
        ("batched 1,000, one hot account", lambda u, b, f: batched(b, many, 1000, True, f)),
        ("group commit, 8 threads, uniform",
         lambda u, b, f: group_commit(b, many // 4, 8, False, f)),
        ("group commit, 8 threads, one hot account",
         lambda u, b, f: group_commit(b, many // 4, 8, True, f)),
        ("HTTP, 8 clients, uniform", lambda u, b, f: over_http(u, b, calls, 8, False, f)),
        ("HTTP, 8 clients, one hot account", lambda u, b, f: over_http(u, b, calls, 8, True, f)),
    ]  # fmt: skip


def run(backends: list[str], runs: int, quick: bool) -> tuple[list[Figure], dict[str, object]]:
    scale = 0.2 if quick else 1.0
    figures: list[Figure] = []
    extra: dict[str, object] = {}
    for backend in backends:
        for name, body in scenarios(backend, scale):
            figure = Figure(backend, name)
            for attempt in range(runs):
                with fresh_database(backend) as url:
                    book = funded_book(url)
                    console.print(f"[dim]{backend}: {name} (run {attempt + 1}/{runs})[/dim]")
                    body(url, book, figure)
                    book.ledger.db.dispose()
            figures.append(figure)
        with fresh_database(backend) as url:
            book = funded_book(url)
            extra[f"{backend} bytes per transfer"] = bytes_per_transfer(
                backend, url, book, int(20_000 * scale)
            )
            book.ledger.db.dispose()
        extra[f"{backend} profile"] = profile_batched(backend, 8000)
    return figures, extra


def report(figures: list[Figure], extra: dict[str, object], command: str) -> str:
    lines = [
        "## Ledger (`benchmarks/ledger.py`)",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()} with `{command}`.",
        "Medians of the runs; each run on a fresh database with 10,000 funded no-overdraft "
        "accounts; every transfer has an idempotency key and a durable commit. Ratios are "
        "against one transfer per transaction on the same backend, measured in the same run. "
        "HTTP clients run on the same two cores as the server.",
        "",
        "| backend | scenario | transfers/s | × baseline | p50 / p99 ms |",
        "|---|---|---:|---:|---:|",
    ]
    baselines = {f.backend: f.median_tps for f in figures if "baseline" in f.scenario}
    for f in figures:
        ratio = f.median_tps / baselines[f.backend]
        lines.append(
            f"| {f.backend} | {f.scenario} | {f.median_tps:,.0f} | {ratio:.1f} | {f.latency()} |"
        )
    lines.append("")
    for key, value in extra.items():
        if key.endswith("bytes per transfer"):
            lines.append(
                f"- {key}: {value:,.0f} bytes (transfer, journal and idempotency rows with "
                "their indexes; accounts are excluded as they do not grow per transfer)"
            )
    for key, value in extra.items():
        if key.endswith("profile"):
            shares = ", ".join(f"{name} {share:.0%}" for name, share in value)  # type: ignore[attr-defined]
            lines.append(f"- {key.split()[0]}, where a batch of 8,000 spends its time: {shares}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller counts, print only")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "all"], default="all")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "all" else [args.backend]
    figures, extra = run(backends, 1 if args.quick else args.runs, args.quick)
    command = "python benchmarks/ledger.py " + " ".join(sys.argv[1:])
    markdown = report(figures, extra, command.strip())
    table = Table(title="ledger")
    for column in ("backend", "scenario", "transfers/s", "p50 / p99 ms"):
        table.add_column(column)
    for f in figures:
        table.add_row(f.backend, f.scenario, f"{f.median_tps:,.0f}", f.latency())
    Console().print(table)
    print(markdown)
    if not args.quick:
        write_section("Ledger", markdown)


if __name__ == "__main__":
    main()
