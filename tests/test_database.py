"""`Database.read` and `Database.write`: the one way code opens a transaction."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from anxin.core.clock import ManualClock
from anxin.core.db import Database
from anxin.ledger import tables as t
from anxin.ledger.service import Ledger


def accounts(db: Database) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(t.accounts)).scalar_one())


def test_a_read_inside_a_read_joins_it_and_sees_one_state(db: Database, clock: ManualClock) -> None:
    """A payment's checks read in one transaction: one connection, one consistent state,
    even while someone else commits in between."""
    ledger = Ledger(db, clock)
    ledger.open_account("CNY")
    with db.read() as outer:
        before = accounts(db)
        with db.read() as inner:
            assert inner is outer
        committed = threading.Thread(target=ledger.open_account, args=("CNY",))
        committed.start()
        committed.join()
        assert accounts(db) == before == 1, "the joined read still sees the state it began in"
    assert accounts(db) == 2, "a new read sees the account committed meanwhile"


def test_reads_on_other_threads_never_share_a_connection(db: Database) -> None:
    seen: list[object] = []
    with db.read() as mine:

        def other_thread() -> None:
            with db.read() as theirs:
                seen.append(theirs)

        worker = threading.Thread(target=other_thread)
        worker.start()
        worker.join()
    assert seen and seen[0] is not mine


def test_a_failed_read_does_not_leave_the_thread_joined_to_it(db: Database) -> None:
    try:
        with db.read() as first:
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    with db.read() as second:
        assert second is not first
        assert second.execute(select(1)).scalar_one() == 1
