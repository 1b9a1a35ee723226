"""Reading what the sandbox SMS gateway was asked to send, as a person reads their phone.

One-time codes never appear in the in-app inbox, so tests get them where a user would: from
the SMS sandbox's log, after the outbox is delivered.
"""

from __future__ import annotations

import re
import time
from typing import Any

from fastapi.testclient import TestClient

from anxin.api.services import Services
from anxin.notify.dispatch import dispatch_pending

CODE = r"(?:安心验证码|Anxin code) (\d{6})"
"""A one-time code as the SMS says it, in either language."""


def texted_code(client: TestClient) -> str:
    """The newest step-up code texted by the app behind `client`."""
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    return str(re.findall(CODE, sms_log_once(services, CODE))[-1])


def sms_log_once(services: Services, pattern: str) -> str:
    """The sandbox SMS log as soon as something matching `pattern` is in it, delivering
    what is due meanwhile: the app's own maintenance loop may be delivering it right now."""
    log = services.settings.data_dir / "sms-sandbox.log"
    for _ in range(50):
        dispatch_pending(services.db, services.clock, services.channels, services.recipient)
        text = log.read_text(encoding="utf-8") if log.exists() else ""
        if re.search(pattern, text):
            return text
        time.sleep(0.1)
    raise AssertionError(f"nothing matching {pattern!r} was texted")


def sign_up(
    client: TestClient, body: dict[str, Any], headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """`POST /v1/users` finished as a person finishes it: when the risk check wants the code
    it texted to the new account (202: several sign-ups from the test client's one IP within
    the hour look like a burst), the code is read from the phone and sent back. The account."""
    created = client.post("/v1/users", json=body, headers=headers or {})
    if created.status_code == 202:
        finish = {"challenge_id": created.json()["challenge_id"], "code": texted_code(client)}
        done = client.post("/v1/auth/login/verify", json=finish)
        assert done.status_code == 200, done.text
    else:
        assert created.status_code == 201, created.text
    return dict(created.json())
