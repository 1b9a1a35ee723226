"""Where notifications go besides the in-app inbox: email over SMTP and SMS gateways.

The SMS gateway is an interface; the built-in one is a sandbox that writes each message to
a log file and says so in every line, so nobody mistakes it for a delivered text.
"""

from __future__ import annotations

import smtplib
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from anxin.core.clock import Clock, isoformat, to_micros

IN_APP, EMAIL, SMS = "in_app", "email", "sms"
ALL_CHANNELS = (IN_APP, EMAIL, SMS)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message ready for a channel: who, and what to say."""

    display_name: str
    email: str | None
    phone: str | None
    title: str
    body: str


class ChannelError(Exception):
    """A channel could not deliver now; the dispatcher retries later."""


class Channel(Protocol):
    name: str

    def can_reach(self, message: Outgoing) -> bool: ...

    def send(self, message: Outgoing) -> None: ...


class EmailChannel:
    name = EMAIL

    def __init__(self, host: str, port: int, sender: str, timeout: float = 10.0) -> None:
        self.host, self.port, self.sender, self.timeout = host, port, sender, timeout

    def can_reach(self, message: Outgoing) -> bool:
        return message.email is not None

    def send(self, message: Outgoing) -> None:
        assert message.email is not None
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = f"{message.display_name} <{message.email}>"
        mail["Subject"] = message.title
        mail.set_content(message.body)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                smtp.send_message(mail)
        except (OSError, smtplib.SMTPException) as exc:
            raise ChannelError(f"SMTP {self.host}:{self.port}: {exc}") from exc


class SandboxSms:
    """An SMS gateway stand-in: appends each text to a log file instead of sending it."""

    name = SMS

    def __init__(self, log_path: Path, clock: Clock) -> None:
        self.log_path, self.clock = log_path, clock
        self._lock = threading.Lock()

    def can_reach(self, message: Outgoing) -> bool:
        return message.phone is not None

    def send(self, message: Outgoing) -> None:
        when = isoformat(to_micros(self.clock.now()))
        line = f"{when} SANDBOX SMS (not sent) to {message.phone}: {message.title} {message.body}"
        with self._lock:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            with self.log_path.open("a", encoding="utf-8") as log:
                log.write(line.replace("\n", " ") + "\n")
