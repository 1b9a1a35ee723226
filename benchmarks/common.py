"""What every benchmark here shares: figures, fresh databases, a real server, HTTP load,
and the BENCHMARKS.md section writer."""

from __future__ import annotations

import http.client
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text

from anxin.core.db import Database

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get(
    "ANXIN_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
ADMIN_TOKEN = "bench-admin"
PACED_WORKERS = 32
"""Connections an open-loop load sends from: enough that the client is never the queue."""

Call = tuple[str, str, dict[str, str], bytes]
"""One HTTP request: method, path, headers, body."""


@dataclass
class Figure:
    """One measured scenario: throughput and latency per run, reported as medians."""

    backend: str
    scenario: str
    tps: list[float] = field(default_factory=list)
    p50_ms: list[float] = field(default_factory=list)
    p99_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    """The server process's CPU time per request (all its threads), where measured."""

    def add(self, count: int, seconds: float, latencies: list[float] | None = None) -> None:
        self.tps.append(count / seconds)
        if latencies:
            ordered = sorted(latencies)
            self.p50_ms.append(1000 * ordered[len(ordered) // 2])
            self.p99_ms.append(1000 * ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))])

    @property
    def median_tps(self) -> float:
        return statistics.median(self.tps)

    def latency(self) -> str:
        if not self.p50_ms:
            return "-"
        return f"{statistics.median(self.p50_ms):.2f} / {statistics.median(self.p99_ms):.2f}"

    def cpu(self) -> str:
        return f"{statistics.median(self.cpu_ms):.2f}" if self.cpu_ms else "-"


@contextmanager
def fresh_database(backend: str) -> Iterator[str]:
    """A migrated, empty database URL that is removed afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{folder}/bench.db"
            Database(url).upgrade()
            yield url
        return
    schema = "bench_" + uuid.uuid4().hex[:10]
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    try:
        Database(url).upgrade()
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@dataclass(frozen=True)
class Server:
    port: int
    pid: int

    def cpu_seconds(self) -> float:
        """CPU time the server process has used so far, all threads (Linux `/proc`)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def anxin_server(url: str, secret_key: str = "bench-secret") -> Iterator[Server]:
    """`anxin serve` on a free port against `url`, stopped afterwards."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    env = {
        **os.environ, "ANXIN_ADMIN_TOKEN": ADMIN_TOKEN, "ANXIN_DATA_DIR": tempfile.mkdtemp(),
        "ANXIN_SECRET_KEY": secret_key,
    }  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-m", "anxin", "serve", "--db", url, "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_for(port)
        yield Server(port, server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def http_load(port: int, per_client: list[list[Call]], expect: int, figure: Figure) -> None:
    """Each list of calls runs on its own keep-alive connection, one call at a time."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def client(calls: list[Call]) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        for call in calls:
            started = time.perf_counter()
            _exchange(connection, call, expect, errors)
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)

    workers = [threading.Thread(target=client, args=(calls,)) for calls in per_client]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if errors:
        raise RuntimeError(f"{len(errors)} calls failed, e.g. {errors[0]}")
    figure.add(len(latencies), time.perf_counter() - started, latencies)


def paced_load(
    port: int,
    calls: list[Call],
    rate: float,
    expect: int,
    figure: Figure,
    workers: int = PACED_WORKERS,
) -> None:
    """Open loop at `rate` calls per second: call n is due n / rate seconds after the start
    and goes out then on whichever of `workers` keep-alive connections is free, whether or
    not earlier calls have answered. Its latency counts from when it was due, not from when
    it went out, so a server that falls behind shows it as latency instead of quietly slowing
    the arrivals (no coordinated omission, as in wrk2). `figure` gets the achieved rate."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    queue = iter(enumerate(calls))
    started = time.perf_counter() + 0.05  # time for the connections to open first

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.connect()
        mine = []
        while True:
            with lock:
                item = next(queue, None)
            if item is None:
                break
            n, call = item
            due = started + n / rate
            time.sleep(max(0.0, due - time.perf_counter()))
            _exchange(connection, call, expect, errors)
            mine.append(time.perf_counter() - due)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(f"{len(errors)} calls failed, e.g. {errors[0]}")
    figure.add(len(latencies), time.perf_counter() - started, latencies)


def _exchange(
    connection: http.client.HTTPConnection, call: Call, expect: int, errors: list[str]
) -> None:
    method, path, headers, body = call
    connection.request(method, path, body, headers)
    response = connection.getresponse()
    answer = response.read()
    if response.status != expect:
        errors.append(f"{response.status} {answer[:200]!r}")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def write_section(heading: str, markdown: str) -> None:
    """Replace the `## heading` section of BENCHMARKS.md, keeping the other sections."""
    path = ROOT / "BENCHMARKS.md"
    old = path.read_text() if path.exists() else "# Benchmarks\n\n"
    start = old.find(f"## {heading}")
    if start == -1:
        new = old.rstrip() + "\n\n" + markdown
    else:
        end = old.find("\n## ", start + 1)
        new = old[:start] + markdown + ("\n" + old[end + 1 :] if end != -1 else "")
    path.write_text(new)
