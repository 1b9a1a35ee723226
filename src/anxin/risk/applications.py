"""Sign-ups through the risk engine, as `application` events: the identity application hook.

Identity calls each hook on `Identity.on_apply` before an account is opened. A `block` opens
nothing. A `challenge` opens the account inactive until the one-time code texted or mailed
to it comes back (identity does that part). A `review` does the same and also opens the
account frozen by the risk team, in the same transaction: its owner can log in and receive
money once the code is in, and sends nothing until an analyst lifts the freeze
(`POST /v1/risk/accounts/{user_id}/unfreeze`). The freeze audit says why.

What the engine sees at sign-up is the device and the IP (not the phone number: see
`RiskService.application`). The rules for applications (`rules/default.yaml`) look for many
sign-ups from linked accounts, from one IP or on one device, and for devices and IPs blocked
before; the model does not score sign-ups (the rule file says why). A household that opens two or
three accounts in an hour from one home IP is not a burst.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import Connection

from anxin.core.clock import Clock, to_micros
from anxin.identity.service import Application, ApplicationHook, SignUpVerdict, User
from anxin.risk.freezes import ACCOUNT, freeze_in
from anxin.risk.service import RiskService

REVIEW_ACTOR: Final = "risk:application-review"
"""Who froze an account opened for review: not `user:`, so its owner cannot lift it."""


def application_check(risk: RiskService, clock: Clock) -> ApplicationHook:
    def check(application: Application) -> SignUpVerdict:
        verdict = risk.application(
            application.user_id, application.at, ip=application.ip,
            device_id=application.device_id, record=not application.tentative,
        )  # fmt: skip
        if verdict.decision != "review":
            return SignUpVerdict(verdict.decision, verdict.reasons)
        why_zh = "；".join(reason["zh"] for reason in verdict.reasons)
        why_en = "; ".join(reason["en"] for reason in verdict.reasons)
        reason = f"开户待风控审核：{why_zh} | Opened for review: {why_en}"[:500]

        def opened(conn: Connection, user: User) -> None:
            freeze_in(
                conn, ACCOUNT, user.id, user_id=user.id, actor=REVIEW_ACTOR, reason=reason,
                now=to_micros(clock.now()),
            )  # fmt: skip

        return SignUpVerdict(verdict.decision, verdict.reasons, opened)

    return check
