"""Reading what the sandbox SMS gateway was asked to send, as a person reads their phone.

One-time codes never appear in the in-app inbox, so tests get them where a user would: from
the SMS sandbox's log, after the outbox is delivered.
"""

from __future__ import annotations

import re
import time

from fastapi.testclient import TestClient

from anxin.api.services import Services
from anxin.notify.dispatch import dispatch_pending


def texted_code(client: TestClient) -> str:
    """The newest step-up code texted by the app behind `client`."""
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    log = services.settings.data_dir / "sms-sandbox.log"
    for _ in range(50):  # the app's own maintenance loop may be delivering it right now
        dispatch_pending(services.db, services.clock, services.channels, services.recipient)
        text = log.read_text(encoding="utf-8") if log.exists() else ""
        if codes := re.findall(r"(?:安心验证码|Anxin code) (\d{6})", text):
            return str(codes[-1])
        time.sleep(0.1)
    raise AssertionError("no step-up code was texted")
