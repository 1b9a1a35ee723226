"""Crash safety: SIGKILL the real server mid-traffic, restart it, and let clients retry.

A process kill is the failure that group commit and idempotency keys exist for: requests in
flight lose their answer, and clients resend them with the same Idempotency-Key. Afterwards
every acknowledged transfer must be on record exactly once, no key may have paid twice, the
balances must be the sum of the acknowledged transfers, and `anxin ledger verify` must pass.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from anxin.core.db import Database
from anxin.ledger import tables as t

pytestmark = pytest.mark.slow

ADMIN_TOKEN = "crash-test-admin-token"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
CLIENTS = 6
TRANSFERS_PER_CLIENT = 40
USERS = 4
KILL_AFTER_ACKS = 40  # acknowledged transfers before the SIGKILL, so it lands mid-traffic
STARTUP_TIMEOUT = 30.0
CLIENT_DEADLINE = 60.0  # how long a client keeps retrying one key before giving up


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def anxin_env(tmp_path: Path) -> dict[str, str]:
    """The parent's environment without stray ANXIN_* settings, plus the test's own."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("ANXIN_")}
    env.update({"ANXIN_ADMIN_TOKEN": ADMIN_TOKEN, "ANXIN_DATA_DIR": str(tmp_path)})
    return env


class Server:
    """`python -m anxin serve` as a child process on a fixed port, restartable after a kill."""

    def __init__(self, url: str, tmp_path: Path) -> None:
        self.url = url
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = anxin_env(tmp_path)
        self.log_path = tmp_path / "server.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [sys.executable, "-m", "anxin", "serve", "--db", self.url]
        command += ["--port", str(self.port)]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"server exited with {self.process.returncode}:\n{self.log()}")
            try:
                if httpx.get(self.base + "/healthz", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        pytest.fail(f"server not healthy after {STARTUP_TIMEOUT}s:\n{self.log()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, in-flight requests lose their answers."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """Terminate politely, then for certain; safe to call more than once."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[Server]:
    running = Server(database_url, tmp_path)
    try:
        yield running
    finally:
        running.stop()


@dataclass
class Attempt:
    """One logical transfer: its key and body, and every answer any try of it received."""

    key: str
    body: dict[str, str]
    answers: list[tuple[int, str | None]] = field(default_factory=list)
    tries: int = 0
    replayed: bool = False  # the first definite answer was a replay: the crash ate a reply

    @property
    def final(self) -> tuple[int, str | None] | None:
        return self.answers[-1] if self.answers else None


def minor(amount: str) -> int:
    units, cents = amount.split(".")
    return int(units) * 100 + int(cents)


def post_until_answered(
    client: httpx.Client, base: str, attempt: Attempt, stop: threading.Event | None = None
) -> None:
    """Send the transfer, resending with the SAME key on connection errors and 5xx."""
    deadline = time.monotonic() + CLIENT_DEADLINE
    while time.monotonic() < deadline and not (stop is not None and stop.is_set()):
        attempt.tries += 1
        try:
            response = client.post(
                base + "/v1/ledger/transfers",
                json=attempt.body,
                headers={**ADMIN, "Idempotency-Key": attempt.key},
            )
        except httpx.TransportError:
            time.sleep(0.05)
            continue
        if response.status_code >= 500:
            attempt.answers.append((response.status_code, None))
            time.sleep(0.05)
            continue
        transfer_id = response.json()["id"] if response.status_code == 201 else None
        attempt.answers.append((response.status_code, transfer_id))
        attempt.replayed = response.headers.get("Idempotent-Replayed") == "true"
        return


class Traffic:
    """Client threads posting random transfers; counts acknowledgements as they arrive."""

    def __init__(self, base: str, funding: str, users: list[str]) -> None:
        self.base = base
        self.funding = funding
        self.users = users
        self.attempts: list[Attempt] = []
        self.acknowledged = 0
        self.errors: list[BaseException] = []
        self.stop = threading.Event()  # set when the test ends early, so no client lingers
        self._lock = threading.Lock()
        self._keys = itertools.count()

    def body(self, rng: random.Random) -> dict[str, str]:
        debit, credit = rng.sample(self.users, 2)
        roll = rng.random()
        if roll < 0.2:
            debit = self.funding
        elif roll < 0.35:
            credit = self.funding
        cents = rng.randint(1, 2_000)
        return {
            "debit_account_id": debit,
            "credit_account_id": credit,
            "amount": f"{cents // 100}.{cents % 100:02d}",
            "currency": "CNY",
        }

    def client(self, index: int) -> None:
        rng = random.Random(index)
        try:
            with httpx.Client(timeout=10.0) as client:
                for _ in range(TRANSFERS_PER_CLIENT):
                    attempt = Attempt(f"crash-{index}-{next(self._keys)}", self.body(rng))
                    with self._lock:
                        self.attempts.append(attempt)
                    post_until_answered(client, self.base, attempt, self.stop)
                    if attempt.final is not None and attempt.final[0] == 201:
                        with self._lock:
                            self.acknowledged += 1
        except BaseException as exc:
            self.errors.append(exc)


def open_account(client: httpx.Client, base: str, no_overdraft: bool) -> str:
    response = client.post(
        base + "/v1/ledger/accounts",
        json={"currency": "CNY", "no_overdraft": no_overdraft},
        headers=ADMIN,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def seed_traffic(server: Server) -> Traffic:
    """Open a funding account and a few no_overdraft users, and give each user 100.00."""
    with httpx.Client(timeout=10.0) as http:
        funding = open_account(http, server.base, no_overdraft=False)
        users = [open_account(http, server.base, no_overdraft=True) for _ in range(USERS)]
        traffic = Traffic(server.base, funding, users)
        for user in users:
            body = {"debit_account_id": funding, "credit_account_id": user, "amount": "100.00"}
            seed = Attempt(f"seed-{user}", {**body, "currency": "CNY"})
            traffic.attempts.append(seed)
            post_until_answered(http, server.base, seed)
            assert seed.final is not None and seed.final[0] == 201, seed
    return traffic


def run_and_kill(server: Server, traffic: Traffic) -> int:
    """Run the clients, SIGKILL the server once some answers are in, restart it, and wait.

    Returns how many transfers were acknowledged before the kill.
    """
    threads = [
        threading.Thread(target=traffic.client, args=(i,), daemon=True) for i in range(CLIENTS)
    ]
    try:
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 10.0
        while traffic.acknowledged < KILL_AFTER_ACKS and time.monotonic() < deadline:
            time.sleep(0.01)
        acknowledged_before_kill = traffic.acknowledged
        server.kill()
        server.start()
        for thread in threads:
            thread.join(timeout=CLIENT_DEADLINE + 30)
    finally:
        traffic.stop.set()
    assert not any(thread.is_alive() for thread in threads), "clients still running"
    assert not traffic.errors, traffic.errors
    return acknowledged_before_kill


def replay_every_key(server: Server, traffic: Traffic) -> dict[str, Attempt]:
    """Ask every key once more after the restart; each must replay its one original answer.

    Returns the acknowledged transfers by id.
    """
    with httpx.Client(timeout=10.0) as http:
        for attempt in traffic.attempts:
            response = http.post(
                server.base + "/v1/ledger/transfers",
                json=attempt.body,
                headers={**ADMIN, "Idempotency-Key": attempt.key},
            )
            assert response.headers.get("Idempotent-Replayed") == "true", attempt
            replay_id = response.json()["id"] if response.status_code == 201 else None
            attempt.answers.append((response.status_code, replay_id))
    acked: dict[str, Attempt] = {}
    for attempt in traffic.attempts:
        answers = {answer for answer in attempt.answers if answer[0] < 500}
        assert len(answers) == 1, f"{attempt.key} got different answers: {attempt.answers}"
        status, transfer_id = answers.pop()
        if status == 201:
            assert transfer_id is not None and transfer_id not in acked, attempt
            acked[transfer_id] = attempt
    return acked


def check_database(database_url: str, acked: dict[str, Attempt]) -> None:
    """Exactly the acknowledged transfers exist, each under one key, and balances add up."""
    db = Database(database_url)
    try:
        with db.read() as conn:
            transfers = {row.id: row for row in conn.execute(select(t.transfers))}
            accounts = {row.id: row for row in conn.execute(select(t.accounts))}
            keys = {row.key: row.result for row in conn.execute(select(t.idempotency))}
    finally:
        db.dispose()

    assert set(transfers) == set(acked), (
        f"{len(set(transfers) - set(acked))} unacknowledged and "
        f"{len(set(acked) - set(transfers))} lost transfers"
    )
    claimed = Counter(tid for result in keys.values() for tid in result.get("transfers", []))
    assert claimed == Counter(set(transfers)), "a transfer claimed by no key or by several"
    for transfer_id, attempt in acked.items():
        assert keys[attempt.key]["transfers"] == [transfer_id], attempt
        row = transfers[transfer_id]
        assert (row.debit_account_id, row.credit_account_id, row.amount, row.status) == (
            attempt.body["debit_account_id"],
            attempt.body["credit_account_id"],
            minor(attempt.body["amount"]),
            "posted",
        )

    from_clients: dict[str, int] = defaultdict(int)
    for attempt in acked.values():
        from_clients[attempt.body["debit_account_id"]] -= minor(attempt.body["amount"])
        from_clients[attempt.body["credit_account_id"]] += minor(attempt.body["amount"])
    from_rows: dict[str, int] = defaultdict(int)
    for row in transfers.values():
        from_rows[row.debit_account_id] -= row.posted_amount
        from_rows[row.credit_account_id] += row.posted_amount
    for account_id, acc in accounts.items():
        balance = acc.credits_posted - acc.debits_posted
        assert balance == from_clients[account_id] == from_rows[account_id], account_id
        assert not acc.no_overdraft or balance >= 0, account_id


def test_sigkill_mid_traffic_loses_and_duplicates_nothing(
    server: Server, database_url: str
) -> None:
    """Acknowledged means durable, and a retried key never pays twice, across a SIGKILL."""
    server.start()
    traffic = seed_traffic(server)
    acknowledged_before_kill = run_and_kill(server, traffic)

    # The crash really landed mid-traffic: some answers came before it, many after.
    assert 0 < acknowledged_before_kill < CLIENTS * TRANSFERS_PER_CLIENT - CLIENTS
    retried = [a for a in traffic.attempts if a.tries > 1]
    assert retried, "no request had to be retried: the kill missed the traffic"
    unanswered = [a.key for a in traffic.attempts if a.final is None or a.final[0] >= 500]
    assert not unanswered, f"keys without a final answer: {unanswered[:5]}\n{server.log()}"
    statuses = Counter(a.final[0] for a in traffic.attempts if a.final is not None)
    assert set(statuses) <= {201, 409}, (statuses, server.log())
    internal = [a.key for a in traffic.attempts if any(s == 500 for s, _ in a.answers)]
    assert not internal, f"500 answers for {internal[:5]}\n{server.log()}"
    print(
        f"acks before kill {acknowledged_before_kill}, retried keys {len(retried)}, "
        f"answered by replay {sum(a.replayed for a in traffic.attempts)}, {dict(statuses)}"
    )

    acked = replay_every_key(server, traffic)
    server.stop()
    check_database(database_url, acked)

    verified = subprocess.run(
        [sys.executable, "-m", "anxin", "ledger", "verify", "--db", database_url, "--json"],
        env=server.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    report: dict[str, Any] = json.loads(verified.stdout)
    assert report["ok"] and report["transfers"] == len(acked), report
