"""Logins through the risk engine: the identity login hook, and the new-device alert.

Identity does not know about risk; it calls each hook on `Identity.on_login` after the
password check. A `block` refuses the login, and so does a review the model alone would have
refused (see `model.strongest`) when no code can be sent. A `challenge` or `review` holds it
for a one-time code (`identity.stepup`), texted or mailed by `send_step_up_code`, which also
says that someone is logging in: a stranger with the password alone gets no session and the
owner hears of it. An account with no phone or email cannot be stepped up; its login goes
through and the owner is told at once, in the app, so it does not go unnoticed.
"""

from __future__ import annotations

from sqlalchemy import Connection

from anxin.core.clock import Clock, to_micros
from anxin.core.db import Database
from anxin.identity.service import Identity, LoginAttempt, LoginHook, LoginVerdict, User
from anxin.identity.stepup import SIGN_UP, CodeSender
from anxin.notify import Message, enqueue
from anxin.notify.preferences import CODE
from anxin.risk.service import RiskService


def login_check(risk: RiskService, identity: Identity, db: Database, clock: Clock) -> LoginHook:
    def check(attempt: LoginAttempt) -> LoginVerdict:
        verdict = risk.login(
            attempt.user.id, attempt.at, ip=attempt.ip, device_id=attempt.device_id,
            password_changed_at=attempt.password_changed_at,
        )  # fmt: skip
        decision = verdict.decision
        if decision in ("challenge", "review") and not identity.steps_up(attempt.user, decision):
            if verdict.score >= risk.engine.rules.thresholds["block"]:
                # Only the model's cap (`model.strongest`) made this a review: the cap trusts
                # a code to prove the owner, and this account has nowhere to send one.
                return LoginVerdict("block", verdict.reasons)
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


def send_step_up_code(clock: Clock) -> CodeSender:
    """The step-up code, as a one-time code message (phone or email only, never the in-app
    inbox a stolen session could read), saying what it is for: a login with the password
    (so an owner who is not logging in knows to act) or opening the account."""

    def send(conn: Connection, user: User, code: str, minutes: int, purpose: str) -> None:
        if purpose == SIGN_UP:
            body_zh = (f"您正在开通安心账户，验证码{code}，{minutes}分钟内有效。"
                       "请勿告诉任何人，安心工作人员不会向您索要验证码。")  # fmt: skip
            body_en = (
                f"You are opening an Anxin account. The code is {code}, valid for "
                f"{minutes} minutes. Never share it: Anxin staff never ask for it."
            )
        else:
            body_zh = (f"有人正在用您的密码登录安心，验证码{code}，{minutes}分钟内有效。"
                       "如果不是您本人，请勿告诉任何人，并立即修改密码。")  # fmt: skip
            body_en = (f"Someone is logging in to Anxin with your password. The code is {code}, "
                       f"valid for {minutes} minutes. If this is not you, never share it and "
                       "change your password now.")  # fmt: skip
        enqueue(conn, [Message(
            user.id, CODE, title_zh=f"安心验证码 {code}", body_zh=body_zh,
            title_en=f"Anxin code {code}", body_en=body_en,
        )], to_micros(clock.now()))  # fmt: skip

    return send
