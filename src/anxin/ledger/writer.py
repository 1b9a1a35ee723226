"""Group commit: writer threads gather concurrent requests into few durable commits.

A durable commit (fsync) costs the same for one transfer as for five hundred, so while one
commit is in flight the writer lets the next requests queue up, then posts them all in the
next transaction, as TigerBeetle batches. Callers block on a future (or await it from async
code); no caller is acknowledged before its batch is committed.

SQLite has one writer at a time, so it gets one thread. PostgreSQL locks rows, not the
database, so a few threads keep several batches in flight at once; batches that share an
account simply wait for each other's row locks (taken in id order, so never a deadlock).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from concurrent.futures import Future

from anxin.core.errors import Unavailable
from anxin.ledger.service import Ledger, Request, Result

log = logging.getLogger(__name__)

_STOP = object()


class LedgerWriter:
    def __init__(self, ledger: Ledger, *, max_batch: int = 512, threads: int | None = None) -> None:
        self.ledger = ledger
        self.max_batch = max_batch
        self.threads = threads or (1 if ledger.db.is_sqlite else 4)
        self._queue: queue.SimpleQueue[tuple[Request, Future[Result]] | object] = (
            queue.SimpleQueue()
        )
        self._workers: list[threading.Thread] = []
        self._stopped = False
        self._lock = threading.Lock()

    def start(self) -> None:
        with self._lock:
            self._stopped = False
            if not self._workers:
                self._workers = [
                    threading.Thread(target=self._loop, name=f"ledger-writer-{n}", daemon=True)
                    for n in range(self.threads)
                ]
                for worker in self._workers:
                    worker.start()

    def stop(self) -> None:
        """Finish what is queued, then stop the threads; later requests are refused."""
        with self._lock:
            workers, self._workers, self._stopped = self._workers, [], True
        for _ in workers:
            self._queue.put(_STOP)
        for worker in workers:
            worker.join()
        while True:  # anything that slipped in behind the stop markers
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if isinstance(item, tuple):
                item[1].set_exception(Unavailable("the ledger is shutting down; retry"))

    def submit(self, request: Request) -> Future[Result]:
        """Queue a request; it runs once the writer is started (`start()`)."""
        future: Future[Result] = Future()
        with self._lock:
            if self._stopped:
                future.set_exception(Unavailable("the ledger is shutting down; retry"))
                return future
            self._queue.put((request, future))
        return future

    def execute(self, request: Request) -> Result:
        return self.submit(request).result()

    async def execute_async(self, request: Request) -> Result:
        return await asyncio.wrap_future(self.submit(request))

    def _loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            batch = [item]
            stopping = False
            while len(batch) < self.max_batch:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is _STOP:
                    stopping = True
                    break
                batch.append(more)
            self._commit(batch)  # type: ignore[arg-type]
            if stopping:
                return

    def _commit(self, batch: list[tuple[Request, Future[Result]]]) -> None:
        try:
            results = self.ledger.execute([request for request, _ in batch])
        except Exception:
            if len(batch) == 1:
                self._fail(batch[0][1])
                return
            # Something in the batch broke the transaction as a whole: run each request on
            # its own so one bad request cannot fail its neighbours.
            for one in batch:
                self._commit([one])
            return
        for (_, future), result in zip(batch, results, strict=True):
            future.set_result(result)

    @staticmethod
    def _fail(future: Future[Result]) -> None:
        log.exception("ledger request failed")
        future.set_exception(Unavailable("the ledger could not record this request; retry it"))
