"""`anxin chat`: talk to the assistant in a terminal, with the engine the API uses.

    anxin chat --user xiaoming            # password from ANXIN_CHAT_PASSWORD, else asked
    echo -e "给妈妈转五百\\n确认" | ANXIN_CHAT_PASSWORD=anxin-demo-2026 anxin chat --user xiaoming

Each line is one message; the dialogue is stored like the API's, so a chat left half-way
continues in the web app (and the other way round). An empty line, "exit" or end of input
ends the chat. Money moves only after the assistant restates it and you answer yes.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

PASSWORD_ENV = "ANXIN_CHAT_PASSWORD"
_QUIT = {"exit", "quit", "bye", "退出", "再见"}


def chat_command(
    user: Annotated[
        str | None,
        typer.Option(
            "--user",
            metavar="USERNAME",
            help="Sign in as USERNAME (else asked).",
            show_default=False,
        ),
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(
            "--db", help="Database URL (default: ANXIN_DATABASE_URL or SQLite).", show_default=False
        ),
    ] = None,
    elder: Annotated[
        bool | None,
        typer.Option(
            "--elder/--standard",
            help="Short sentences (default: your preference).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Chat with the assistant: "给妈妈转五百", "pay my electricity bill", "查余额"."""
    from rich.console import Console
    from rich.text import Text

    from anxin.api.services import Services
    from anxin.assistant.sessions import converse
    from anxin.core.errors import AnxinError
    from anxin.core.settings import get_settings

    console = Console()
    settings = get_settings()
    if db:
        settings = settings.model_copy(update={"database_url": db})
    services = Services.build(settings)
    services.db.upgrade()
    services.writer.start()
    try:
        username = user or typer.prompt("username")
        password = os.environ.get(PASSWORD_ENV) or typer.prompt("password", hide_input=True)
        try:
            _, me = services.identity.login(username, password, "cli")
        except AnxinError as exc:
            sys.stderr.write(f"error: {exc.detail}\n")
            raise typer.Exit(2) from None
        console.print(Text(f"安心助手 Anxin assistant — {me.display_name}. "
                           "Empty line or exit to leave.", style="dim"))  # fmt: skip
        for line in sys.stdin:
            text = line.strip()
            if not text or text.lower() in _QUIT:
                break
            console.print(Text(f"> {text}", style="bold"))
            try:
                reply = converse(services, me, text, elder=elder).reply
            except AnxinError as exc:
                console.print(Text(f"error: {exc.detail}", style="red"))
                continue
            console.print(Text(reply.text))
            for number, choice in enumerate(reply.choices, 1):
                console.print(Text(f"  {number}. {choice['label']}", style="cyan"))
    finally:
        services.close()
