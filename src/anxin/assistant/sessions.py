"""The assistant's one engine, shared by `POST /v1/assistant/messages` and `anxin chat`.

Each user has one live dialogue, stored after every turn, so a restart (or another API
worker) carries on a half-finished one. The transcript of turns is kept only while the user
consents to "assistant_history" (withdrawing it deletes what was kept); handovers to a
person are always recorded, since someone has to pick them up. `forget_user` is registered
on `Services.on_erase`, so erasing an account erases all three.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from anxin.api.services import Services
from anxin.assistant import tables as t
from anxin.assistant.actions import ServiceActions
from anxin.assistant.dialogue import Context, DialogueState, Reply, step
from anxin.core.clock import to_micros
from anxin.core.errors import NotFound
from anxin.core.ids import new_id
from anxin.identity.preferences import preferences
from anxin.identity.service import User
from anxin.privacy.consents import allowed_in

HISTORY_PURPOSE = "assistant_history"


@dataclass(frozen=True, slots=True)
class Exchange:
    session_id: str
    reply: Reply
    state: DialogueState


def converse(
    services: Services, user: User, text: str, *, session_id: str | None = None,
    elder: bool | None = None,
) -> Exchange:  # fmt: skip
    """One message in, one reply out; the dialogue is saved before the reply is returned."""
    state = load_state(services, user, session_id)
    prefs = preferences(services.db, user.id)
    ctx = Context(
        now=services.clock.now(), language=prefs.language,
        elder=prefs.elder_mode if elder is None else elder,
    )  # fmt: skip
    new_state, reply = step(state, text, ctx, ServiceActions(services, user))
    now = to_micros(ctx.now)
    with services.db.write() as conn:
        _save(conn, user.id, new_state, now)
        if allowed_in(conn, user.id, HISTORY_PURPOSE):
            _transcript(conn, user.id, new_state, text, reply.text, now)
        else:  # consent withdrawn: what was kept goes too, at the latest now
            forget_transcript(conn, user.id)
        if reply.kind == "handover":
            _handover(conn, user.id, new_state, text, reply, now)
    return Exchange(new_state.session_id, reply, new_state)


def load_state(services: Services, user: User, session_id: str | None = None) -> DialogueState:
    """The user's dialogue, or a new one; a session id must be the user's current one."""
    with services.db.read() as conn:
        row = conn.execute(select(t.sessions).where(t.sessions.c.user_id == user.id)).first()
    if row is None or (session_id is not None and row.session_id != session_id):
        if session_id is not None:
            raise NotFound(f"you have no assistant session {session_id!r}", field="session_id")
        return DialogueState(new_id())
    return DialogueState.from_json(row.state)


def end_session(services: Services, user: User) -> None:
    """Drop the task in progress (nothing is paid); the next message starts afresh."""
    with services.db.write() as conn:
        conn.execute(delete(t.sessions).where(t.sessions.c.user_id == user.id))


def forget_transcript(conn: Connection, user_id: str) -> None:
    """Delete the user's kept turns (consent to "assistant_history" withdrawn)."""
    conn.execute(delete(t.turns).where(t.turns.c.user_id == user_id))


def forget_user(services: Services, user_id: str) -> None:
    """Account erasure: the dialogue, the transcript and the handover questions go."""
    with services.db.write() as conn:
        forget_transcript(conn, user_id)
        conn.execute(delete(t.sessions).where(t.sessions.c.user_id == user_id))
        conn.execute(delete(t.handovers).where(t.handovers.c.user_id == user_id))


def handovers(services: Services, user_id: str) -> list[dict[str, Any]]:
    """The user's handovers, newest first (what an agent's queue would show)."""
    c = t.handovers.c
    with services.db.read() as conn:
        rows = conn.execute(
            select(t.handovers).where(c.user_id == user_id).order_by(c.created_at.desc())
        ).all()
    return [r._asdict() for r in rows]


def transcript(services: Services, user_id: str) -> list[dict[str, Any]]:
    c = t.turns.c
    with services.db.read() as conn:
        rows = conn.execute(
            select(c.session_id, c.turn, c.role, c.text, c.at)
            .where(c.user_id == user_id)
            .order_by(c.at, c.turn, c.role.desc())
        ).all()
    return [r._asdict() for r in rows]


def _save(conn: Connection, user_id: str, state: DialogueState, now: int) -> None:
    values = {"session_id": state.session_id, "state": state.to_json(), "updated_at": now}
    done = conn.execute(update(t.sessions).where(t.sessions.c.user_id == user_id).values(values))
    if done.rowcount == 0:
        conn.execute(insert(t.sessions), {"user_id": user_id, **values})


def _transcript(
    conn: Connection, user_id: str, state: DialogueState, said: str, answered: str, now: int
) -> None:
    rows = [
        {"id": new_id(), "user_id": user_id, "session_id": state.session_id, "turn": state.turn,
         "role": role, "text": text, "at": now}
        for role, text in (("user", said), ("assistant", answered))
    ]  # fmt: skip
    conn.execute(insert(t.turns), rows)


def _handover(
    conn: Connection, user_id: str, state: DialogueState, said: str, reply: Reply, now: int
) -> None:
    conn.execute(insert(t.handovers), {
        "id": new_id(), "user_id": user_id, "session_id": state.session_id, "question": said,
        "lang": reply.lang, "faq_id": reply.data.get("faq_id"),
        "confidence": reply.data.get("confidence"), "status": "waiting", "created_at": now,
    })  # fmt: skip
