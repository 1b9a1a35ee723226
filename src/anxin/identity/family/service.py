"""Guardians: invitation, the approval limit, what a guardian sees, approving held payments.

A parent invites one guardian (a grown-up child, say) and sets a limit; the parent's
transfers above it wait, as a held payment, for that guardian to approve or reject. Every
guardian action, including each look at the parent's data, is written to the family audit,
which the parent can read: co-management is never silent.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from anxin.api.services import Services
from anxin.core.clock import isoformat, to_micros
from anxin.core.db import Database
from anxin.core.errors import Conflict, Forbidden, InvalidInput, InvalidState, NotFound
from anxin.core.ids import new_id
from anxin.core.money import Money
from anxin.identity.family import tables as t
from anxin.identity.family.check import ACTIVE, GUARDIAN
from anxin.identity.preferences import Language
from anxin.identity.service import User
from anxin.ledger import queries
from anxin.notify import Message, enqueue, inbox, languages
from anxin.payments import holds

PENDING, DECLINED, REVOKED = "pending", "declined", "revoked"
ALERT_CATEGORIES = ("payment", "security")


@dataclass(frozen=True, slots=True)
class Link:
    """A parent's guardian, from invitation to revocation."""

    id: str
    parent_id: str
    guardian_id: str
    status: str
    approval_limit: Money
    created_at: int
    responded_at: int | None
    ended_at: int | None

    @classmethod
    def from_row(cls, row: Any) -> Link:
        return cls(
            row.id, row.parent_id, row.guardian_id, row.status,
            Money.from_minor(row.approval_limit, row.currency), row.created_at,
            row.responded_at, row.ended_at,
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class AuditRow:
    id: int
    parent_id: str
    link_id: str
    at: int
    actor_id: str
    action: str
    detail: str


# -- the parent's side --------------------------------------------------------------------


def invite(services: Services, parent: User, guardian: User, limit: Money) -> Link:
    """Ask `guardian` to look after `parent`; pending until they accept."""
    if guardian.id == parent.id:
        raise InvalidInput("you cannot be your own guardian", field="username")
    _check_limit(limit)
    now = _now(services)
    link = Link(new_id(), parent.id, guardian.id, PENDING, limit, now, None, None)
    try:
        with services.db.write() as conn:
            conn.execute(
                insert(t.links).values(
                    id=link.id, parent_id=parent.id, guardian_id=guardian.id, status=PENDING,
                    approval_limit=limit.to_minor(), currency=limit.currency, created_at=now,
                )
            )  # fmt: skip
            _audit(conn, link, parent.id, "invite", f"limit {_shown(limit)}", now)
            enqueue(conn, [Message(
                guardian.id, "account",
                title_zh=f"{parent.display_name}邀请您成为监护人",
                body_zh=f"{parent.display_name}邀请您成为监护人：您将能看到对方的余额和提醒，"
                f"并审批超过{_shown(limit)}的转账。",
                title_en=f"{parent.display_name} invites you to be their guardian",
                body_en=f"{parent.display_name} asks you to be their guardian: you would see "
                f"their balances and alerts and approve transfers above {_shown(limit)}.",
                data={"invitation_id": link.id},
            )], now)  # fmt: skip
    except IntegrityError:
        raise Conflict(
            "you already have a guardian or a pending invitation; revoke it first",
            field="username",
        ) from None
    return link


def guardians(db: Database, parent_id: str) -> list[Link]:
    """The parent's guardian links, newest first (the live one, then past ones)."""
    c = t.links.c
    with db.read() as conn:
        rows = conn.execute(
            select(t.links).where(c.parent_id == parent_id).order_by(c.created_at.desc())
        ).all()
    return [Link.from_row(row) for row in rows]


def change_limit(services: Services, parent: User, link_id: str, limit: Money) -> Link:
    _check_limit(limit)
    now = _now(services)
    with services.db.write() as conn:
        link = _parents_live_link(conn, parent.id, link_id)
        if limit.currency != link.approval_limit.currency:
            raise InvalidInput(f"the limit is in {link.approval_limit.currency}", field="currency")
        conn.execute(
            update(t.links).where(t.links.c.id == link.id).values(approval_limit=limit.to_minor())
        )
        change = f"{_shown(link.approval_limit)} -> {_shown(limit)}"
        _audit(conn, link, parent.id, "limit", f"limit {change}", now)
        # A coached parent raising the limit is exactly what the guardian must hear about.
        enqueue(conn, [Message(
            link.guardian_id, "security",
            title_zh="家人修改了监护审批额度",
            body_zh=f"{parent.display_name}修改了需要您审批的转账额度：{change}。",
            title_en="Your family changed the approval limit",
            body_en=f"{parent.display_name} changed the amount you approve: {change}.",
            data={"link_id": link.id},
        )], now)  # fmt: skip
    return replace(link, approval_limit=limit)


def revoke(services: Services, parent: User, link_id: str) -> None:
    """End the guardianship; payments still waiting for the guardian go back to the parent."""
    with services.db.write() as conn:
        link = _parents_live_link(conn, parent.id, link_id)
    _end(services, link, parent.id, "revoke")


def leave(services: Services, user: User) -> None:
    """End every live guardianship `user` is part of, on either side (account erasure)."""
    c = t.links.c
    with services.db.read() as conn:
        rows = conn.execute(
            select(t.links).where(
                (c.parent_id == user.id) | (c.guardian_id == user.id),
                c.status.in_((PENDING, ACTIVE)),
            )
        ).all()
    for row in rows:
        _end(services, Link.from_row(row), user.id, "revoke")


def _end(services: Services, link: Link, actor_id: str, action: str) -> None:
    """Revoke `link` (if still live) and hand its waiting payments back to the parent."""
    now = _now(services)
    c = t.links.c
    with services.db.write() as conn:
        done = conn.execute(
            update(t.links)
            .where(c.id == link.id, c.status.in_((PENDING, ACTIVE)))
            .values(status=REVOKED, ended_at=now)
        )
        if not done.rowcount:
            return
        _audit(conn, link, actor_id, action, f"was {link.status}", now)
        enqueue(conn, [
            Message(
                link.guardian_id, "account",
                title_zh="监护关系已结束", body_zh="您的一项监护关系已经结束。",
                title_en="Guardianship ended", body_en="A guardianship you held has ended.",
                data={"link_id": link.id},
            ),
            Message(
                link.parent_id, "account",
                title_zh="监护关系已结束", body_zh="您的监护人不再协助管理您的账户。",
                title_en="Guardianship ended",
                body_en="Your guardian no longer looks after your account.",
                data={"link_id": link.id},
            ),
        ], now)  # fmt: skip
    waiting = holds.list_holds(
        services.db, user_id=link.parent_id, approver_user_id=link.guardian_id, kind=GUARDIAN
    )
    for held in waiting:
        # Nobody is left to approve it: the payment is not made and the money returns.
        with contextlib.suppress(InvalidState):  # ran out of time meanwhile: already released
            holds.reject_hold(
                services, held.id, actor=holds.SYSTEM, note="guardianship ended / 监护已结束"
            )


def audit_trail(db: Database, parent_id: str, limit: int | None = None) -> list[AuditRow]:
    """What the parent's guardians did, newest first (all of it unless `limit`)."""
    c = t.audit.c
    query = select(t.audit).where(c.parent_id == parent_id).order_by(c.at.desc(), c.id.desc())
    with db.read() as conn:
        rows = conn.execute(query if limit is None else query.limit(limit)).all()
    return [AuditRow(*row) for row in rows]


# -- the guardian's side ------------------------------------------------------------------


def invitations(db: Database, guardian_id: str) -> list[Link]:
    c = t.links.c
    with db.read() as conn:
        rows = conn.execute(
            select(t.links)
            .where(c.guardian_id == guardian_id, c.status == PENDING)
            .order_by(c.created_at)
        ).all()
    return [Link.from_row(row) for row in rows]


def respond(services: Services, guardian: User, link_id: str, *, accept: bool) -> Link:
    """Accept or decline an invitation addressed to `guardian`."""
    now = _now(services)
    status = ACTIVE if accept else DECLINED
    c = t.links.c
    with services.db.write() as conn:
        row = conn.execute(
            select(t.links).where(c.id == link_id, c.guardian_id == guardian.id)
        ).first()
        if row is None:
            raise NotFound(f"you have no invitation {link_id!r}")
        link = Link.from_row(row)
        if link.status != PENDING:
            raise Conflict(f"this invitation is already {link.status}")
        conn.execute(update(t.links).where(c.id == link.id).values(status=status, responded_at=now))
        _audit(conn, link, guardian.id, "accept" if accept else "decline", "", now)
        verb_zh, verb_en = ("接受", "accepted") if accept else ("拒绝", "declined")
        enqueue(conn, [Message(
            link.parent_id, "account",
            title_zh=f"{guardian.display_name}已{verb_zh}监护邀请",
            body_zh=f"{guardian.display_name}已{verb_zh}您的监护邀请。",
            title_en=f"{guardian.display_name} {verb_en} your invitation",
            body_en=f"{guardian.display_name} {verb_en} your guardian invitation.",
            data={"link_id": link.id},
        )], now)  # fmt: skip
    return replace(link, status=status, responded_at=now)


def wards(db: Database, guardian_id: str) -> list[Link]:
    """The parents `guardian_id` actively looks after."""
    c = t.links.c
    with db.read() as conn:
        rows = conn.execute(
            select(t.links)
            .where(c.guardian_id == guardian_id, c.status == ACTIVE)
            .order_by(c.responded_at)
        ).all()
    return [Link.from_row(row) for row in rows]


def ward_view(
    services: Services, guardian: User, parent_id: str, lang: Language | None = None
) -> dict[str, Any]:
    """What a guardian sees of the parent: balances, recent alerts, waiting approvals.

    The alerts are in `lang`, else in the guardian's own language: they are the reader.
    The look is audited before anything is read, so no read goes unrecorded.
    """
    now = _now(services)
    with services.db.write() as conn:
        link = _guardians_link(conn, guardian.id, parent_id)
        _audit(conn, link, guardian.id, "view", "balances and alerts", now)
    with services.db.read() as conn:
        accounts = queries.accounts_of(conn, parent_id)
        shown = lang or languages(conn, [guardian.id])[guardian.id]
        alerts = inbox(conn, parent_id, shown, limit=20, categories=ALERT_CATEGORIES)
    waiting = holds.list_holds(
        services.db, user_id=parent_id, approver_user_id=guardian.id, kind=GUARDIAN
    )
    return {
        "link": link, "accounts": accounts, "alerts": alerts["notifications"],
        "approvals": waiting,
    }  # fmt: skip


def approvals(db: Database, guardian_id: str) -> list[holds.Hold]:
    """Held payments waiting for `guardian_id`, across every parent they look after."""
    return holds.list_holds(db, approver_user_id=guardian_id, kind=GUARDIAN)


def approve(services: Services, guardian: User, hold_id: str) -> holds.Hold:
    held, link = _approvable(services, guardian, hold_id)
    holds.approve_hold(services, hold_id, actor=guardian.id)
    _decided(services, guardian, link, "approve", f"{_shown(held.money)} (hold {held.id})")
    return holds.hold(services.db, hold_id)


def reject(services: Services, guardian: User, hold_id: str, note: str) -> holds.Hold:
    held, link = _approvable(services, guardian, hold_id)
    holds.reject_hold(services, hold_id, actor=guardian.id, note=note)
    detail = f"{_shown(held.money)} (hold {held.id})" + (f": {note}" if note else "")
    _decided(services, guardian, link, "reject", detail)
    return holds.hold(services.db, hold_id)


# -- helpers ------------------------------------------------------------------------------


def _approvable(services: Services, guardian: User, hold_id: str) -> tuple[holds.Hold, Link]:
    """The waiting guardian hold `guardian` may decide; anyone else's looks missing."""
    try:
        held = holds.hold(services.db, hold_id)
    except NotFound:
        held = None
    if held is None or held.kind != GUARDIAN or held.approver_user_id != guardian.id:
        raise NotFound(f"no payment {hold_id!r} is waiting for your approval")
    with services.db.read() as conn:
        link = _guardians_link(conn, guardian.id, held.user_id)
    return held, link


def _decided(services: Services, guardian: User, link: Link, action: str, detail: str) -> None:
    """Audit the guardian's decision (the hold itself told the parent how it went)."""
    with services.db.write() as conn:
        _audit(conn, link, guardian.id, action, detail, _now(services))


def _guardians_link(conn: Connection, guardian_id: str, parent_id: str) -> Link:
    c = t.links.c
    row = conn.execute(
        select(t.links).where(
            c.parent_id == parent_id, c.guardian_id == guardian_id, c.status == ACTIVE
        )
    ).first()
    if row is None:
        raise Forbidden("you are not this person's guardian")
    return Link.from_row(row)


def _parents_live_link(conn: Connection, parent_id: str, link_id: str) -> Link:
    c = t.links.c
    row = conn.execute(
        select(t.links).where(
            c.id == link_id, c.parent_id == parent_id, c.status.in_((PENDING, ACTIVE))
        )
    ).first()
    if row is None:
        raise NotFound(f"you have no current guardian {link_id!r}")
    return Link.from_row(row)


def _audit(conn: Connection, link: Link, actor_id: str, action: str, detail: str, at: int) -> None:
    conn.execute(
        insert(t.audit).values(
            parent_id=link.parent_id, link_id=link.id, at=at, actor_id=actor_id, action=action,
            detail=detail,
        )
    )  # fmt: skip


def _check_limit(limit: Money) -> None:
    if limit.amount < 0:
        raise InvalidInput("the approval limit cannot be negative", field="approval_limit")


def _shown(money: Money) -> str:
    return f"{money.currency} {money}"


def _now(services: Services) -> int:
    return to_micros(services.clock.now())


def audit_json(row: AuditRow, names: dict[str, str]) -> dict[str, Any]:
    return {
        "id": row.id, "at": isoformat(row.at), "link_id": row.link_id, "actor_id": row.actor_id,
        "actor": names.get(row.actor_id), "action": row.action, "detail": row.detail,
    }  # fmt: skip


def link_json(link: Link) -> dict[str, Any]:
    limit = link.approval_limit
    return {
        "id": link.id, "parent_id": link.parent_id, "guardian_id": link.guardian_id,
        "status": link.status, "approval_limit": str(limit), "currency": limit.currency,
        "created_at": isoformat(link.created_at),
        "responded_at": None if link.responded_at is None else isoformat(link.responded_at),
        "ended_at": None if link.ended_at is None else isoformat(link.ended_at),
    }  # fmt: skip
