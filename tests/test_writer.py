"""Group commit: many callers, one transaction, and no caller hurt by another's failure."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from anxin.core.errors import Unavailable
from anxin.ledger.posting import Create, TransferSpec
from anxin.ledger.service import Ledger, Request, fingerprint
from anxin.ledger.writer import LedgerWriter


def test_concurrent_callers_share_commits_and_all_get_their_answer(ledger: Ledger) -> None:
    bank = ledger.open_account("CNY", no_overdraft=False)["id"]
    alice = ledger.open_account("CNY")["id"]
    writer = LedgerWriter(ledger)
    writer.start()
    results = []
    lock = threading.Lock()

    def pay(n: int) -> None:
        request = Request(
            Create((TransferSpec(bank, alice, 100, "CNY"),)), f"w-{n}", "t", fingerprint("t", n)
        )
        result = writer.execute(request)
        with lock:
            results.append(result)

    threads = [threading.Thread(target=pay, args=(n,)) for n in range(64)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    writer.stop()
    assert len(results) == 64 and all(r.error is None for r in results)
    assert len({r.transfers[0].id for r in results}) == 64
    assert ledger.account(alice)["credits_posted"] == 6400


def test_a_request_that_breaks_its_batch_fails_alone(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    bank = ledger.open_account("CNY", no_overdraft=False)["id"]
    alice = ledger.open_account("CNY")["id"]
    good = Request(Create((TransferSpec(bank, alice, 100, "CNY"),)), "good", "t", b"g")
    # An amount of the wrong type is a programming error, not a refusal: it raises inside
    # the batch. The writer must retry the others on their own and only fail this one.
    broken = Request(Create((TransferSpec(bank, alice, "100", "CNY"),)), "bad", "t", b"b")  # type: ignore[arg-type]
    batch_sizes: list[int] = []
    execute = ledger.execute

    def recording(requests: list[Request]) -> list[Any]:
        batch_sizes.append(len(requests))
        return execute(requests)

    monkeypatch.setattr(ledger, "execute", recording)
    writer = LedgerWriter(ledger)
    futures = [writer.submit(good), writer.submit(broken)]  # queued before the thread runs
    writer.start()
    first, second = futures[0].result(timeout=10), futures[1]
    writer.stop()
    assert first.error is None
    assert isinstance(second.exception(timeout=10), Unavailable)
    assert ledger.account(alice)["credits_posted"] == 100
    assert batch_sizes == [2, 1, 1]


def test_a_stopped_writer_refuses_instead_of_hanging(ledger: Ledger) -> None:
    bank = ledger.open_account("CNY", no_overdraft=False)["id"]
    alice = ledger.open_account("CNY")["id"]
    writer = LedgerWriter(ledger)
    writer.start()
    writer.stop()
    late = writer.submit(Request(Create((TransferSpec(bank, alice, 1, "CNY"),))))
    assert isinstance(late.exception(timeout=5), Unavailable)
    assert ledger.account(alice)["credits_posted"] == 0
