"""Server time of EVERY web page, both modes, with 10,000 transactions in the account.

    .venv/bin/python benchmarks/pages.py          # SQLite and PostgreSQL, rewrites BENCHMARKS.md
    .venv/bin/python benchmarks/pages.py --quick  # SQLite, 2,000 transactions, prints only

One person's wallet gets a year of history written straight through the ledger in batches
(top-ups, payments to a dozen contacts and from them, bills, shop payments: the kinds the
statement names), then every GET page of the web app (enumerated from its routers, so a new
page is measured without editing this file), in standard and elder mode, plus the
statement's worst cases (a text search that matches nothing, a date filter, the second page),
is requested in-process through the whole ASGI app, several times each. The baseline,
measured in the same run, is `/healthz`: the ratio is what a page costs on top of the
framework. Goal: no page above 300 ms. (`benchmarks/web.py` measures the core pages against a
100-transaction wallet instead.)
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from rich.console import Console
from rich.table import Table

from anxin.api.app import create_app
from anxin.api.services import Services
from anxin.core.clock import ManualClock
from anxin.core.settings import Settings
from anxin.identity.preferences import set_preferences
from anxin.ledger.posting import Create, TransferSpec
from anxin.payments.contacts import add_contact
from anxin.payments.wallets import ensure_wallet
from anxin.web.routes import PAGE_ROUTERS
from common import ADMIN_TOKEN, fresh_database, machine, write_section

HEADING = "Every web page (`benchmarks/pages.py`)"
GOAL_MS = 300.0
RUNS = 7
BATCH = 200
CONTACTS = 12
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
BILLERS = ("electricity", "water", "gas", "mobile", "broadband")
SIGNED_OUT = {"/login", "/signup", "/logout"}
"""Measured as a signed-out browser sees them."""
DOWNLOADS = {"/privacy/export"}
"""Files, not pages: everything held about the user, so their time grows with the history."""
EXTRA = (
    "/transactions?q=nothing-matches-this",
    "/transactions?start=2026-06-01&end=2026-06-30",
    "/transactions?direction=in&min=100",
)
console = Console(stderr=True)
Rows = list[tuple[str, list[float]]]


def seed(services: Services, clock: ManualClock, transactions: int) -> str:
    """A person with `transactions` lines over the past year; returns their username."""
    rng = random.Random(7)
    ledger = services.ledger
    me = services.identity.register("bench", "bench-password", display_name="小明")
    wallet = ensure_wallet(ledger, me.id, "CNY")[0]["id"]
    outside = ledger.open_account("CNY", no_overdraft=False, kind="bench-outside")["id"]
    people = []
    for n in range(CONTACTS):
        friend = services.identity.register(f"friend{n}", "bench-password", display_name=f"朋友{n}")
        account = ensure_wallet(ledger, friend.id, "CNY")[0]["id"]
        add_contact(services.db, clock, me.id, "妈妈" if n == 0 else f"朋友{n}", [], friend.id)
        ledger.run(Create((TransferSpec(outside, account, 10**12, "CNY"),)))
        people.append((friend.id, account))
    opening = TransferSpec(outside, wallet, 10**12, "CNY", meta={"type": "topup"})
    ledger.run(Create((opening,)))
    start = NOW - timedelta(days=365)
    step = timedelta(days=365) / transactions
    written = 0
    while written < transactions:
        clock.set(start + step * written)
        size = min(BATCH, transactions - written)
        specs = [_line(rng, me.id, wallet, outside, people) for _ in range(size)]
        ledger.run(Create(tuple(specs)))
        written += size
    clock.set(NOW)
    return me.username


def _line(
    rng: random.Random, me: str, wallet: str, outside: str, people: list[tuple[str, str]]
) -> TransferSpec:
    """One statement line of a plausible kind (the meta the payments capability writes)."""
    roll = rng.random()
    amount = rng.randint(100, 200_000)
    if roll < 0.15:
        return TransferSpec(outside, wallet, amount, "CNY", meta={"type": "topup"})
    if roll < 0.55:
        user, account = rng.choice(people)
        meta = {"type": "p2p", "from_user": me, "to_user": user, "note": rng.choice([None, "饭钱"])}
        return TransferSpec(wallet, account, amount, "CNY", meta=meta)
    if roll < 0.65:
        user, account = rng.choice(people)
        meta = {"type": "p2p", "from_user": user, "to_user": me}
        return TransferSpec(account, wallet, amount, "CNY", meta=meta)
    if roll < 0.85:
        meta = {"type": "bill", "biller": rng.choice(BILLERS)}
        return TransferSpec(wallet, outside, amount, "CNY", meta=meta)
    return TransferSpec(wallet, outside, amount, "CNY", meta={"type": "merchant_payment"})


def page_paths() -> list[str]:
    """Every signed-in GET page of the web app without an id in its path."""
    paths = {
        route.path
        for router in PAGE_ROUTERS
        for route in router.routes
        if "GET" in getattr(route, "methods", ()) and "{" not in route.path
    }
    return sorted(paths - SIGNED_OUT - DOWNLOADS)


def timed(client: TestClient, path: str, runs: int) -> list[float]:
    """Milliseconds per request of `path` (after one warm-up request, which must succeed)."""
    first = client.get(path, follow_redirects=False)
    if first.status_code != 200:
        raise RuntimeError(f"{path}: HTTP {first.status_code} {first.text[:300]}")
    found = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(path, follow_redirects=False)
        found.append(1000 * (time.perf_counter() - started))
    return found


def measure(url: str, transactions: int, runs: int) -> tuple[Rows, float]:
    """Seed, then time every page; returns (label, milliseconds) rows and the seeding time."""
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(
            database_url=url, data_dir=Path(data_dir), admin_token=ADMIN_TOKEN,
            secret_key="bench-secret", risk_engine=False,
        )  # fmt: skip
        clock = ManualClock(NOW - timedelta(days=366))
        app = create_app(settings, clock)
        services: Services = app.state.services
        started = time.perf_counter()
        username = seed(services, clock, transactions)
        seeding = time.perf_counter() - started
        rows: Rows = []
        with TestClient(app) as client:
            rows.append(("/healthz (baseline)", timed(client, "/healthz", runs)))
            for path in ("/login", "/signup"):
                rows.append((f"{path} (signed out)", timed(client, path, runs)))
            token = client.post(
                "/v1/auth/login", json={"username": username, "password": "bench-password"}
            ).json()["token"]
            client.cookies.set("anxin_session", token)
            rows += _signed_in_rows(client, runs, downloads=True)
            user = services.identity.find_user(username=username)
            set_preferences(services.db, user.id, elder_mode=True, clock=clock)
            elder = _signed_in_rows(client, runs, downloads=False)
            rows += [(f"{label} (elder)", ms) for label, ms in elder]
    return rows, seeding


def _signed_in_rows(client: TestClient, runs: int, downloads: bool) -> Rows:
    rows = [(path, timed(client, path, runs)) for path in (*page_paths(), *EXTRA)]
    second = _next_page(client)
    if second:
        rows.append(("/transactions (second page)", timed(client, second, runs)))
    if downloads:
        rows += [(f"{path} (download)", timed(client, path, runs)) for path in sorted(DOWNLOADS)]
    return rows


def _next_page(client: TestClient) -> str | None:
    """The statement's "next page" link, as a person would follow it."""
    html = client.get("/transactions").text
    at = html.find('href="/transactions?cursor=')
    if at == -1:
        return None
    return html[at + 6 : html.index('"', at + 6)].replace("&amp;", "&")


def report(results: dict[str, Rows], transactions: int) -> str:
    table = Table(title=f"web pages with {transactions:,} transactions (ms)")
    for column in ("backend", "page", "median", "max", "× baseline"):
        table.add_column(column)
    lines = []
    for backend, rows in results.items():
        baseline = statistics.median(rows[0][1])
        for label, ms in rows:
            med, top = statistics.median(ms), max(ms)
            ratio = med / baseline
            table.add_row(backend, label, f"{med:.1f}", f"{top:.1f}", f"{ratio:.1f}")
            lines.append(f"| {backend} | `{label}` | {med:.1f} | {top:.1f} | {ratio:.1f} |")
    console.print(table)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="SQLite, fewer lines, print only")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], action="append")
    args = parser.parse_args()
    transactions = 2_000 if args.quick else 10_000
    runs = 3 if args.quick else RUNS
    backends = args.backend or (["sqlite"] if args.quick else ["sqlite", "postgresql"])
    results: dict[str, Rows] = {}
    seeding: dict[str, float] = {}
    load_before = os.getloadavg()[0]
    for backend in backends:
        with fresh_database(backend) as url:
            console.print(f"{backend}: seeding {transactions:,} transactions...")
            results[backend], seeding[backend] = measure(url, transactions, runs)
    rows = report(results, transactions)
    worst = max(
        (statistics.median(ms), max(ms), backend, label)
        for backend, found in results.items()
        for label, ms in found
        if not label.endswith("(download)")
    )
    verdict = "met" if worst[1] <= GOAL_MS else "NOT met"
    slowest = f"median {worst[0]:.1f} ms, slowest run {worst[1]:.1f} ms ({worst[2]} `{worst[3]}`)"
    console.print(f"slowest page: {slowest}: goal {verdict}")
    if args.quick:
        return
    seeded = ", ".join(f"{b} {s:.1f} s" for b, s in seeding.items())
    load = f"load average {load_before:.1f} at the start and {os.getloadavg()[0]:.1f} at the end"
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    write_section(
        HEADING,
        f"""## {HEADING}

Measured {stamp} on {machine()} with `python benchmarks/pages.py`; {load} (a shared \
machine: the maxima especially move with whatever else runs).
One wallet with {transactions:,} transactions over a year (top-ups, payments to and from \
{CONTACTS} contacts, bills, shop payments; written through the ledger in batches of {BATCH}: \
{seeded}). Every signed-in GET page of the web app (enumerated from its routers), in standard \
and elder mode, plus the statement's worst cases, requested in-process through the whole ASGI \
app (session cookie, page rendering, no network): {runs} runs after a warm-up, milliseconds. \
Baseline: `/healthz` in the same run. Goal: no page above {GOAL_MS:.0f} ms. Slowest page: \
{slowest}: goal {verdict}. The privacy export is a file of everything held about the user, \
not a page: its time grows with the history.

| backend | page | median ms | max ms | × baseline |
|---|---|---:|---:|---:|
{rows}
""",
    )


if __name__ == "__main__":
    sys.exit(main())
