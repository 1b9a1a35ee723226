"""`anxin parse`: what the assistant understands from a sentence, for people and for tools.

    anxin parse 给妈妈转五百                       # readable
    anxin parse --json --now 2026-11-25T10:00 "pay my electricity bill" 交水费
    anxin parse --batch utterances.txt --json    # one utterance a line; "-" reads stdin

With `--json` every utterance prints one JSON object on its own line,
`{"text": ..., "intent": ..., "slots": {...}}`, in input order. Bad input (an unreadable
batch file, a malformed `--now`, nothing to parse) prints one line on stderr and exits 2.

The understanding code (and numpy behind it) is imported only when the command runs, so
mounting this command costs the `anxin` CLI nothing at start-up; scikit-learn is never imported
(the intent classifier ships trained: `anxin.assistant.nlu.intent_model`).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

if TYPE_CHECKING:
    from anxin.assistant.nlu import Parse

EXIT_BAD_INPUT = 2


def parse_command(
    texts: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="TEXT",
            help="Utterances to parse, one per argument (quote an utterance that has spaces).",
            show_default=False,
        ),
    ] = None,
    now: Annotated[
        str | None,
        typer.Option(
            "--now",
            metavar="ISO",
            help="Resolve relative dates against this ISO 8601 time (default: now).",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per utterance, one per line.")
    ] = False,
    batch: Annotated[
        Path | None,
        typer.Option(
            "--batch",
            metavar="FILE",
            help='Read utterances from FILE, one per line ("-" for stdin).',
            show_default=False,
        ),
    ] = None,
) -> None:
    """Understand Chinese or English requests: intent and slots (amount, payee, date...)."""
    moment = _moment(now)
    utterances = list(texts or [])
    if batch is not None:
        utterances.extend(_read_batch(batch))
    if not utterances and batch is None:
        _fail("nothing to parse: give TEXT or --batch FILE")
    from anxin.assistant.nlu import parse

    results = (parse(text, moment) for text in utterances)
    if as_json:
        for result in results:
            sys.stdout.write(json.dumps(result.to_json(), ensure_ascii=False) + "\n")
        sys.stdout.flush()
    else:
        _print_readable(results)


def _moment(now: str | None) -> datetime:
    if now is None:
        return datetime.now().astimezone()
    try:
        return datetime.fromisoformat(now.strip().replace("Z", "+00:00"))
    except ValueError:
        _fail(f"--now {now!r} is not an ISO 8601 time (e.g. 2026-11-25T10:00:00+08:00)")


def _read_batch(path: Path) -> list[str]:
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        _fail(f"cannot read --batch {path}: {reason}")
    # Blank lines separate nothing and are not utterances; a BOM is not part of the first one.
    return [line.strip() for line in text.lstrip("\ufeff").splitlines() if line.strip()]


def _fail(message: str) -> NoReturn:
    sys.stderr.write(f"error: {message}\n")
    raise typer.Exit(EXIT_BAD_INPUT)


def _print_readable(results: Iterator[Parse]) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console()
    for result in results:
        table = Table(show_header=False, box=None, pad_edge=False)
        table.add_column(style="dim")
        table.add_column()
        # Text(), not markup: an utterance may contain "[...]".
        table.add_row("text", Text(result.text))
        intent = Text(result.intent, style="bold")
        intent.append(f"  ({result.source}, {result.confidence:.2f})", style="dim")
        table.add_row("intent", intent)
        for name, value in result.slots.items():
            table.add_row(name, Text(str(value)))
        console.print(table)
        console.print()
