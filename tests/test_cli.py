"""The `anxin` command as an operator runs it: in a separate process, against real databases."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from anxin.core.db import Database
from anxin.ledger.posting import Create, Post, TransferSpec
from anxin.ledger.service import Ledger
from conftest import PostgresSchema


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run `python -m anxin` with no ANXIN_* settings leaking in from the test environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANXIN_")}
    env.update(COLUMNS="200", NO_COLOR="1")
    return subprocess.run(
        [sys.executable, "-m", "anxin", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def verify_json(url: str, cwd: Path) -> tuple[int, dict[str, Any]]:
    done = run_cli("ledger", "verify", "--db", url, "--json", cwd=cwd)
    # Only the report goes to stdout, so scripts can pipe it straight into a JSON parser.
    return done.returncode, json.loads(done.stdout)


@pytest.mark.parametrize(
    "command",
    [[], ["serve"], ["demo"], ["db", "upgrade"], ["ledger", "verify"]],
    ids=["anxin", "serve", "demo", "db-upgrade", "ledger-verify"],
)
def test_help_works_for_every_command(command: list[str], tmp_path: Path) -> None:
    done = run_cli(*command, "--help", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Usage" in done.stdout and "Traceback" not in done.stderr
    assert not (tmp_path / ".anxin").exists()  # asking for help touches no data


@pytest.fixture
def empty_database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A database with no schema at all, unlike `database_url`, which is already migrated."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh' / 'anxin.db'}"
        return
    schema = PostgresSchema()
    try:
        yield schema.url
    finally:
        schema.drop()


def test_db_upgrade_creates_the_schema_and_can_run_again(
    empty_database_url: str, tmp_path: Path
) -> None:
    for _ in range(2):  # the second run finds nothing to do and still succeeds
        done = run_cli("db", "upgrade", "--db", empty_database_url, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert "schema up to date" in done.stderr
    db = Database(empty_database_url)
    try:
        tables = set(inspect(db.engine).get_table_names())
    finally:
        db.dispose()
    assert {"ledger_accounts", "ledger_entries", "ledger_transfers", "users"} <= tables

    code, report = verify_json(empty_database_url, tmp_path)
    assert code == 0 and report["ok"] is True
    assert (report["accounts"], report["entries"], report["transfers"]) == (0, 0, 0)


# -- ledger verify ----------------------------------------------------------------------


def pay(ledger: Ledger, debit: str, credit: str, amount: int, *, pending: bool = False) -> str:
    spec = TransferSpec(debit, credit, amount, "CNY", pending=pending)
    return ledger.run(Create((spec,))).pop().id


@pytest.fixture
def books(ledger: Ledger) -> dict[str, str]:
    """A small but varied ledger: funding, a payment, a partly posted hold and an open hold."""
    bank = ledger.open_account("CNY", no_overdraft=False, kind="funding")["id"]
    alice = ledger.open_account("CNY")["id"]
    bob = ledger.open_account("CNY")["id"]
    pay(ledger, bank, alice, 100_00)
    pay(ledger, alice, bob, 30_00)
    hold = pay(ledger, alice, bob, 10_00, pending=True)
    ledger.run(Post(hold, 6_00))
    pay(ledger, bob, alice, 5_00, pending=True)
    return {"bank": bank, "alice": alice, "bob": bob}


def test_verify_passes_on_an_untouched_ledger(
    database_url: str, books: dict[str, str], tmp_path: Path
) -> None:
    code, report = verify_json(database_url, tmp_path)
    assert code == 0, report
    assert report["ok"] is True and report["problems"] == []
    assert report["accounts"] == 3 and report["transfers"] == 4
    assert report["entries"] == 6  # three posted transfers, two entries each
    assert report["totals"] == {"CNY": 0}


def test_journal_refuses_edits_while_its_triggers_stand(
    db: Database, books: dict[str, str]
) -> None:
    """Why the tamper test below must drop a trigger first: the database itself says no."""
    for statement in (
        "UPDATE ledger_entries SET amount = amount + 1",
        "DELETE FROM ledger_entries",
    ):
        with pytest.raises(DBAPIError, match="append-only"), db.write() as conn:
            conn.execute(text(statement))
    with db.read() as conn:
        assert conn.execute(text("SELECT count(*) FROM ledger_entries")).scalar_one() == 6


def test_verify_fails_when_a_stored_total_is_edited(
    db: Database, database_url: str, books: dict[str, str], tmp_path: Path
) -> None:
    alice = books["alice"]
    with db.write() as conn:
        conn.execute(
            text("UPDATE ledger_accounts SET credits_posted = credits_posted + 1 WHERE id = :id"),
            {"id": alice},
        )
    code, report = verify_json(database_url, tmp_path)
    assert code == 1 and report["ok"] is False
    assert any(p.startswith(f"account {alice}: stored debits/credits") for p in report["problems"])
    assert "CNY: balances sum to 1, not zero" in report["problems"]

    # Without --json the verdict goes to stderr and each problem to stdout, one a line.
    plain = run_cli("ledger", "verify", "--db", database_url, cwd=tmp_path)
    assert plain.returncode == 1
    assert "problems" in plain.stderr
    assert plain.stdout.splitlines() == report["problems"]


def test_verify_finds_an_edited_journal_entry_by_its_hash_chain(
    db: Database, database_url: str, books: dict[str, str], tmp_path: Path
) -> None:
    bob = books["bob"]
    with db.write() as conn:
        if db.is_sqlite:
            conn.execute(text("DROP TRIGGER ledger_entries_no_update"))
        else:
            conn.execute(text("DROP TRIGGER ledger_entries_append_only ON ledger_entries"))
        # Double bob's first receipt; nothing else (totals, running balances) is touched.
        changed = conn.execute(
            text(
                "UPDATE ledger_entries SET amount = amount * 2 "
                "WHERE account_id = :id AND account_seq = 1"
            ),
            {"id": bob},
        )
        assert changed.rowcount == 1
    code, report = verify_json(database_url, tmp_path)
    assert code == 1 and report["ok"] is False
    assert (
        f"account {bob} entry 1: hash chain broken (entry altered or removed)"
        in (report["problems"])
    )
    # Only bob's journal was edited, so only bob's account is named.
    named = {p.split()[1].rstrip(":") for p in report["problems"] if p.startswith("account ")}
    assert named == {bob}


def test_verify_without_a_schema_says_so_in_one_line(tmp_path: Path) -> None:
    """A missing schema is not a tampered ledger: exit 2 and a readable line, no traceback."""
    result = run_cli("ledger", "verify", "--db", f"sqlite:///{tmp_path / 'empty.db'}", cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "anxin db upgrade" in result.stderr
