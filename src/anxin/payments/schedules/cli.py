"""`anxin worker`: pay scheduled and auto-pay occurrences as they come due."""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer


def worker_command(
    db: Annotated[
        str | None,
        typer.Option("--db", help="Database URL (default: ANXIN_DATABASE_URL or SQLite)."),
    ] = None,
    interval: Annotated[
        float, typer.Option(help="Seconds between passes over the schedules.", min=0.1)
    ] = 30.0,
    once: Annotated[bool, typer.Option("--once", help="Run one pass, print it, exit.")] = False,
) -> None:
    """Run due schedule occurrences and auto-pay, catching up after downtime; Ctrl-C stops.

    Several workers may run against one PostgreSQL database: each occurrence is claimed by
    one and paid once.
    """
    # Imported here so that `anxin --help` and the other commands start fast.
    from anxin.api.services import Services
    from anxin.core.settings import get_settings
    from anxin.payments.schedules.worker import run_due, run_worker

    settings = get_settings()
    if db:
        settings = settings.model_copy(update={"database_url": db})
    services = Services.build(settings)
    stop = threading.Event()
    try:
        if once:
            services.writer.start()
            report = run_due(services)
            typer.echo(
                f"planned {report.planned} occurrences; runs {report.outcomes or 'none'}; "
                f"resumed {report.resumed_payments} bill payments"
            )
            return
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        typer.echo(f"anxin worker: a pass every {interval:g} s (Ctrl-C stops)", err=True)
        run_worker(services, stop, interval)
    finally:
        services.close()
