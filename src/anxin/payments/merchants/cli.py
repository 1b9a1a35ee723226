"""`anxin payments reconcile`: compare a merchant statement CSV with the ledger."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy.exc import SQLAlchemyError

from anxin.core.db import Database
from anxin.core.errors import InvalidInput
from anxin.core.settings import get_settings
from anxin.payments.merchants.reconcile import ledger_lines, parse_statement, reconcile

err = Console(stderr=True)


def reconcile_command(
    csv_path: Annotated[
        Path,
        typer.Argument(help="Statement CSV: date,merchant_id,transfer_id,amount (see docs)."),
    ],
    db: Annotated[
        str | None,
        typer.Option("--db", help="Database URL (default: ANXIN_DATABASE_URL or SQLite)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    days: Annotated[
        list[str] | None,
        typer.Option(
            "--date",
            help="Also check this business day (YYYY-MM-DD) when the CSV has no line for it; "
            "repeatable.",
        ),
    ] = None,
) -> None:
    """List every difference between a statement CSV and the ledger; exit 1 when any.

    Exit 2 when the CSV cannot be read or the database cannot be reached.
    """
    try:
        lines = parse_statement(csv_path.read_text(encoding="utf-8"))
        extra = {date.fromisoformat(day) for day in days or []}
    except (OSError, UnicodeDecodeError, ValueError, InvalidInput) as error:
        detail = error.detail if isinstance(error, InvalidInput) else str(error)
        err.print(f"[red]error:[/red] {csv_path}: {detail}")
        raise typer.Exit(2) from None
    scope = {line.day for line in lines} | extra
    settings = get_settings()
    database = Database(db or settings.resolved_database_url())
    try:
        with database.read() as conn:
            ours = ledger_lines(conn, scope, {line.transfer_id for line in lines})
    except SQLAlchemyError as error:
        first = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        err.print(f"[red]error:[/red] database: {first}")
        err.print("(is the database reachable, and has `anxin db upgrade` been run?)")
        raise typer.Exit(2) from None
    finally:
        database.dispose()
    mismatches = reconcile(lines, ours, scope)
    if as_json:
        print(json.dumps({
            "ok": not mismatches, "dates": sorted(day.isoformat() for day in scope),
            "csv_lines": len(lines), "ledger_lines": len(ours),
            "mismatches": [m.as_json() for m in mismatches],
        }))  # fmt: skip
    else:
        status = (
            "[green]OK[/green]" if not mismatches else f"[red]{len(mismatches)} mismatches[/red]"
        )
        err.print(
            f"reconciliation {status}: {len(lines)} CSV lines, {len(ours)} ledger trades, "
            f"days {', '.join(sorted(day.isoformat() for day in scope)) or 'none'}"
        )
        for mismatch in mismatches:
            print(mismatch)
    if mismatches:
        raise typer.Exit(1)
