"""The `anxin` command."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn

from anxin.assistant.chat import chat_command
from anxin.assistant.cli import parse_command
from anxin.core.db import Database
from anxin.core.settings import Settings, get_settings
from anxin.payments.merchants.cli import reconcile_command
from anxin.payments.schedules.cli import worker_command
from anxin.risk.cli import risk_app

app = typer.Typer(
    help="Anxin (安心): wallet, ledger and assistant.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
ledger_app = typer.Typer(help="Ledger operations.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(ledger_app, name="ledger")
app.command("worker")(worker_command)
app.command("parse")(parse_command)
app.command("chat")(chat_command)
app.add_typer(risk_app, name="risk")
payments_app = typer.Typer(help="Payments operations.", no_args_is_help=True)
payments_app.command("reconcile")(reconcile_command)
app.add_typer(payments_app, name="payments")

err = Console(stderr=True)

DbOption = Annotated[
    str | None, typer.Option("--db", help="Database URL (default: ANXIN_DATABASE_URL or SQLite).")
]


@contextmanager
def _database(db: str | None) -> Iterator[Database]:
    """The configured database; a database error becomes one readable line and exit 2."""
    from sqlalchemy.exc import SQLAlchemyError

    database = Database(_settings(db).resolved_database_url())
    try:
        yield database
    except SQLAlchemyError as exc:
        first = str(exc.orig if hasattr(exc, "orig") else exc).strip().splitlines()[0]
        err.print(f"[red]error:[/red] {_safe_url(database.url)}: {first}")
        err.print("(is the database reachable, and has `anxin db upgrade` been run?)")
        raise typer.Exit(2) from None
    finally:
        database.dispose()


def _settings(db: str | None) -> Settings:
    settings = get_settings()
    if db:
        settings = settings.model_copy(update={"database_url": db})
    return settings


@db_app.command("upgrade")
def db_upgrade(db: DbOption = None) -> None:
    """Create or migrate the schema to the newest version."""
    with _database(db) as database:
        database.upgrade()
    err.print(f"schema up to date at {_safe_url(database.url)}")


@app.command()
def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
) -> None:
    """Upgrade the schema, then serve the API on HOST:PORT."""
    _serve(_settings(db), host, port, seed=False)


@app.command()
def demo(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
) -> None:
    """Seed demo people and money into the local SQLite store, then serve on :8000."""
    _serve(get_settings(), host, port, seed=True)


def _serve(settings: Settings, host: str, port: int, *, seed: bool) -> None:
    import uvicorn

    from anxin.api.app import create_app

    app_ = create_app(settings)
    services = app_.state.services
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=err) as progress:
        progress.add_task("upgrading the database schema", total=None)
        services.db.upgrade()
    if seed:
        from anxin.demo import DEMO_PASSWORD
        from anxin.demo import seed as seed_demo

        made = seed_demo(services)
        if made:
            err.print(f"demo people {', '.join(made)} created (password {DEMO_PASSWORD})")
    if not settings.admin_token:
        err.print("admin API is off (set ANXIN_ADMIN_TOKEN to turn it on)")
    err.print(
        f"Anxin on http://{host}:{port}  (API docs at /docs, store {_safe_url(services.db.url)})"
    )
    stop = threading.Event()
    if seed:
        # The demo is one command: it also runs the schedule worker that `anxin worker` runs.
        from anxin.payments.schedules.worker import run_worker

        threading.Thread(
            target=run_worker, args=(services, stop, 30.0), name="anxin-worker", daemon=True
        ).start()
    try:
        uvicorn.run(app_, host=host, port=port, log_level="warning", access_log=False)
    finally:
        stop.set()


@ledger_app.command("verify")
def ledger_verify(
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Recompute every balance and hash from the journal; exit 1 when anything disagrees."""
    from anxin.ledger.verify import verify

    with (
        _database(db) as database,
        Progress(SpinnerColumn(), TextColumn("{task.description}"), console=err) as progress,
    ):
        task = progress.add_task("checking the journal", total=None)
        with database.read() as conn:
            report = verify(
                conn, lambda n: progress.update(task, description=f"checked {n:,} entries")
            )
    if as_json:
        print(
            json.dumps(
                {
                    "ok": report.ok,
                    "accounts": report.accounts,
                    "entries": report.entries,
                    "transfers": report.transfers,
                    "totals": report.totals,
                    "problems": report.problems,
                }
            )
        )
    else:
        status = "[green]OK[/green]" if report.ok else f"[red]{len(report.problems)} problems[/red]"
        err.print(
            f"ledger {status}: {report.accounts} accounts, {report.transfers} transfers, "
            f"{report.entries} entries"
        )
        for problem in report.problems:
            print(problem)
    if not report.ok:
        raise typer.Exit(1)


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
