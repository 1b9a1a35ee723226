"""Logins through the risk engine: the identity login hook, and the new-device alert.

Identity does not know about risk; it calls each hook on `Identity.on_login` after the
password check. A `block` refuses the login. A `challenge` or `review` lets it through in
this version (there is no second factor at login yet) but tells the user at once, on every
channel, so a stranger's login from a new device does not go unnoticed.
"""

from __future__ import annotations

from anxin.core.clock import Clock, to_micros
from anxin.core.db import Database
from anxin.identity.service import LoginAttempt, LoginHook, LoginVerdict
from anxin.notify import Message, enqueue
from anxin.risk.service import RiskService


def login_check(risk: RiskService, db: Database, clock: Clock) -> LoginHook:
    def check(attempt: LoginAttempt) -> LoginVerdict:
        verdict = risk.login(
            attempt.user.id, attempt.at, ip=attempt.ip, device_id=attempt.device_id,
            password_changed_at=attempt.password_changed_at,
        )  # fmt: skip
        if verdict.decision in ("challenge", "review"):
            why = "; ".join(reason["en"] for reason in verdict.reasons)
            why_zh = "；".join(reason["zh"] for reason in verdict.reasons)
            device = attempt.device_id or "an unknown device"
            device_zh = attempt.device_id or "未知设备"
            with db.write() as conn:
                enqueue(conn, [Message(
                    attempt.user.id, "security",
                    title_zh="新设备登录提醒",
                    body_zh=f"您的安心账户在{device_zh}（IP {attempt.ip}）上登录：{why_zh}。"
                    "如果不是您本人操作，请立即冻结账户并修改密码。",
                    title_en="New login to your account",
                    body_en=f"New login to your Anxin account from {device} (IP {attempt.ip}): "
                    f"{why}. If this was not you, freeze your account and change your password.",
                    data={"device_id": attempt.device_id, "ip": attempt.ip},
                )], to_micros(clock.now()))  # fmt: skip
        return LoginVerdict(verdict.decision, verdict.reasons)

    return check
