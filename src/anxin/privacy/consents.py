"""Consents that really gate data use: one switch per purpose, each audited when set.

Every purpose says, in Chinese and English, what the data is used for and what stops when
the user switches it off; the capability that uses the data asks `allowed` before it does.
Marketing is opt-in (off until the user says yes), as PIPL expects of anything that is not
needed to provide the service.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from anxin.core.clock import isoformat
from anxin.core.db import Database
from anxin.core.errors import NotFound
from anxin.privacy import tables as t
from anxin.privacy.audit import record


@dataclass(frozen=True, slots=True)
class Purpose:
    """One use of personal data the user can switch on or off."""

    id: str
    title_zh: str
    title_en: str
    used_for_zh: str
    used_for_en: str
    when_off_zh: str
    when_off_en: str
    default: bool


@dataclass(frozen=True, slots=True)
class ConsentView:
    """A purpose with the user's current choice; `changed_at` is None while on the default."""

    purpose: Purpose
    granted: bool
    changed_at: str | None


PURPOSES: dict[str, Purpose] = {
    p.id: p
    for p in (
        Purpose(
            id="location",
            title_zh="位置信息",
            title_en="Location",
            used_for_zh="登录和付款时的大致位置（经纬度），供风控判断是否出现"
            "“短时间内不可能的异地操作”，以发现被盗用的账户。",
            used_for_en="The approximate location (latitude/longitude) of a login or payment, "
            "used by the risk check to spot impossible travel, a sign of a stolen account.",
            when_off_zh="风控将收不到您的位置，不再做异地检查；其他风控检查照常进行。",
            when_off_en="The risk check receives no location for you and skips the travel "
            "check; the other risk checks still run.",
            default=True,
        ),
        Purpose(
            id="spending_analysis",
            title_zh="消费分析",
            title_en="Spending analysis",
            used_for_zh="根据交易记录为每月消费图表分类，并在首页推荐您最可能要做的三件事。",
            used_for_en="Categorising your transactions for the monthly spending chart and "
            "suggesting the three things you most likely want to do on the home page.",
            when_off_zh="不再根据您的历史交易生成消费分类和首页推荐。",
            when_off_en="No chart categories or home-page suggestions are computed from your "
            "history.",
            default=True,
        ),
        Purpose(
            id="assistant_history",
            title_zh="助手对话记录",
            title_en="Assistant history",
            used_for_zh="保存您与智能助手的对话记录，便于继续未完成的对话和回看。",
            used_for_en="Keeping the transcript of your conversations with the assistant, so "
            "you can pick one up again and look back at it.",
            when_off_zh="不再保存对话记录，已保存的记录将被删除。",
            when_off_en="Transcripts are no longer kept and the ones already kept are deleted.",
            default=True,
        ),
        Purpose(
            id="marketing",
            title_zh="营销推送",
            title_en="Marketing",
            used_for_zh="通过通知向您推送优惠活动和产品推荐。",
            used_for_en="Sending you offers and product recommendations as notifications.",
            when_off_zh="不会向您发送任何营销类通知（默认关闭，需您主动开启）。",
            when_off_en="No marketing notification is ever sent to you (off unless you switch "
            "it on).",
            default=False,
        ),
    )
}


def allowed(db: Database, user_id: str, purpose: str) -> bool:
    """Whether `user_id` lets Anxin use their data for `purpose` (the default if never set)."""
    with db.read() as conn:
        return allowed_in(conn, user_id, purpose)


def allowed_in(conn: Connection, user_id: str, purpose: str) -> bool:
    """`allowed` inside a transaction the caller already holds (one primary-key read)."""
    default = _purpose(purpose).default
    c = t.consents.c
    granted = conn.execute(
        select(c.granted).where(c.user_id == user_id, c.purpose == purpose)
    ).scalar_one_or_none()
    return default if granted is None else bool(granted)


def set_consent(
    db: Database, user_id: str, purpose: str, granted: bool, *, actor: str, at: int
) -> None:
    """Record the user's choice and audit it in the same transaction."""
    _purpose(purpose)
    with db.write() as conn:
        _upsert(conn, user_id, purpose, granted, at)
        record(
            conn,
            user_id,
            actor=actor,
            action="consent.granted" if granted else "consent.withdrawn",
            detail=purpose,
            at=at,
        )


def consents(db: Database, user_id: str) -> list[ConsentView]:
    """Every purpose with the user's current choice, in a fixed order."""
    c = t.consents.c
    with db.read() as conn:
        rows = conn.execute(
            select(c.purpose, c.granted, c.changed_at).where(c.user_id == user_id)
        ).all()
    chosen = {row.purpose: row for row in rows}
    views = []
    for purpose in PURPOSES.values():
        row = chosen.get(purpose.id)
        if row is None:
            views.append(ConsentView(purpose, purpose.default, None))
        else:
            views.append(ConsentView(purpose, bool(row.granted), isoformat(row.changed_at)))
    return views


def _purpose(purpose: str) -> Purpose:
    try:
        return PURPOSES[purpose]
    except KeyError:
        raise NotFound(
            f"there is no consent purpose {purpose!r}; known: {', '.join(PURPOSES)}"
        ) from None


def _upsert(conn: Connection, user_id: str, purpose: str, granted: bool, at: int) -> None:
    # An upsert rather than read-then-write, so two devices changing the same switch at once
    # cannot both try to insert the row.
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = insert(t.consents).values(
        user_id=user_id, purpose=purpose, granted=granted, changed_at=at
    )
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=["user_id", "purpose"],
            set_={"granted": granted, "changed_at": at},
        )
    )
