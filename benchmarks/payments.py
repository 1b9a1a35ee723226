"""End-to-end P2P payments per second over HTTP, with the risk hook and the outbox.

    .venv/bin/python benchmarks/payments.py            # full run, rewrites BENCHMARKS.md
    .venv/bin/python benchmarks/payments.py --quick    # smaller, prints only

A P2P payment authenticates the payer's token, finds the payee (by contact alias, as the
assistant does, or by username), asks the risk hook, posts the transfer with an idempotency
key and writes both notifications in the same transaction. The baseline, measured in the same
run against the same server, is a bare admin ledger transfer: the ratio is what the payments
layer costs on top of the ledger. Eight keep-alive clients, each waiting for its answer.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from anxin.api.services import Services
from anxin.core.money import Money
from anxin.core.settings import Settings
from anxin.ledger.posting import Create, TransferSpec
from anxin.payments.contacts import add_contact
from anxin.payments.wallets import ensure_wallet
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

CLIENTS = 8
PEOPLE = 40
console = Console(stderr=True)


def seed(url: str, data_dir: Path) -> dict[str, Any]:
    """People with funded wallets, each with the next person as contact "friend"."""
    settings = Settings(database_url=url, data_dir=data_dir, secret_key="bench-secret")
    services = Services.build(settings)
    bank = services.ledger.open_account("CNY", no_overdraft=False, kind="bench-bank")["id"]
    people = []
    for n in range(PEOPLE):
        user = services.identity.register(f"payer{n}", "bench-password", display_name=f"P{n}")
        wallet, _ = ensure_wallet(services.ledger, user.id, "CNY")
        services.ledger.run(Create((TransferSpec(bank, wallet["id"], 10**9, "CNY"),)))
        people.append({"user": user, "wallet": wallet["id"]})
    for n, person in enumerate(people):
        friend = people[(n + 1) % PEOPLE]["user"]
        add_contact(services.db, services.clock, person["user"].id, "friend", ["老朋友"], friend.id)
    tokens = [services.identity.login(f"payer{n}", "bench-password", "bench")[0]
              for n in range(PEOPLE)]  # fmt: skip
    services.close()
    return {"people": people, "tokens": tokens, "bank": bank}


def p2p_calls(world: dict[str, Any], count: int, by: str, rng: random.Random) -> list[list[Call]]:
    def call(n: int) -> Call:
        payer = rng.randrange(PEOPLE)
        to = {"payee": "老朋友"} if by == "alias" else {"username": f"payer{(payer + 1) % PEOPLE}"}
        amount = str(Money.from_minor(rng.randint(1, 50_000), "CNY"))
        headers = {
            "Authorization": f"Bearer {world['tokens'][payer]}",
            "Idempotency-Key": uuid.uuid4().hex,
            "Content-Type": "application/json",
        }
        body = json.dumps({"to": to, "amount": amount, "note": f"bench {n}"}).encode()
        return "POST", "/v1/payments/p2p", headers, body  # fmt: skip

    per = count // CLIENTS
    return [[call(c * per + i) for i in range(per)] for c in range(CLIENTS)]


def ledger_calls(world: dict[str, Any], count: int, rng: random.Random) -> list[list[Call]]:
    wallets = [p["wallet"] for p in world["people"]]

    def call() -> Call:
        debit, credit = rng.sample(wallets, 2)
        headers = {
            "Authorization": f"Bearer {ADMIN_TOKEN}",
            "Idempotency-Key": uuid.uuid4().hex,
            "Content-Type": "application/json",
        }
        body = {
            "debit_account_id": debit,
            "credit_account_id": credit,
            "currency": "CNY",
            "amount": str(Money.from_minor(rng.randint(1, 50_000), "CNY")),
        }
        return "POST", "/v1/ledger/transfers", headers, json.dumps(body).encode()  # fmt: skip

    per = count // CLIENTS
    return [[call() for _ in range(per)] for _ in range(CLIENTS)]


def run(backends: list[str], runs: int, count: int) -> list[Figure]:
    figures: list[Figure] = []
    rng = random.Random(11)
    for backend in backends:
        baseline = Figure(backend, "bare ledger transfer (baseline)")
        by_alias = Figure(backend, "P2P to a contact alias")
        by_name = Figure(backend, "P2P to a username")
        for attempt in range(runs):
            with fresh_database(backend) as url:
                console.print(f"[dim]{backend}: run {attempt + 1}/{runs}[/dim]")
                world = seed(url, Path(f"/tmp/anxin-bench-{uuid.uuid4().hex}"))
                with anxin_server(url) as server:
                    port = server.port
                    http_load(port, ledger_calls(world, count, rng), 201, baseline)
                    http_load(port, p2p_calls(world, count, "alias", rng), 201, by_alias)
                    http_load(port, p2p_calls(world, count, "username", rng), 201, by_name)
        figures += [baseline, by_alias, by_name]
    return figures


def report(figures: list[Figure], command: str) -> str:
    lines = [
        "## Payments (`benchmarks/payments.py`)",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()} with `{command}`.",
        f"{CLIENTS} keep-alive HTTP clients on the same machine as the server, each waiting for "
        "its answer; medians of the runs. A P2P payment includes token check, payee lookup, the "
        "risk hook, the durable posting and both notifications in its transaction. Goal: "
        "≥ 500 payments/s with p99 < 50 ms.",
        "",
        "| backend | scenario | per second | × baseline | p50 / p99 ms |",
        "|---|---|---:|---:|---:|",
    ]
    base = {f.backend: f.median_tps for f in figures if "baseline" in f.scenario}
    for f in figures:
        lines.append(
            f"| {f.backend} | {f.scenario} | {f.median_tps:,.0f} | "
            f"{f.median_tps / base[f.backend]:.2f} | {f.latency()} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller counts, print only")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "all"], default="all")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "all" else [args.backend]
    figures = run(backends, 1 if args.quick else args.runs, 800 if args.quick else 4000)
    table = Table(title="payments")
    for column in ("backend", "scenario", "per second", "p50 / p99 ms"):
        table.add_column(column)
    for f in figures:
        table.add_row(f.backend, f.scenario, f"{f.median_tps:,.0f}", f.latency())
    Console().print(table)
    markdown = report(figures, ("python benchmarks/payments.py " + " ".join(sys.argv[1:])).strip())
    print(markdown)
    if not args.quick:
        write_section("Payments", markdown)


if __name__ == "__main__":
    main()
