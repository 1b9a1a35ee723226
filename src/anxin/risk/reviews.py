"""The analyst review queue: payments the engine held for review, claimed and labelled.

A case is a `review` hold (see `anxin.payments.holds`). An analyst claims it, so two people
never work the same case; resolving it with a label releases the money (`legit`) or sends
it back (`fraud`), and the label is kept, append-only, next to the decision's event id so
`anxin risk train-model --labels-from-db` can learn from it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from anxin.api.services import Services
from anxin.core.clock import isoformat, to_micros
from anxin.core.db import Database
from anxin.core.errors import Conflict, InvalidInput, NotFound
from anxin.payments import holds
from anxin.risk.case_tables import claims, labels
from anxin.risk.tables import decisions

LABELS: Final = ("fraud", "legit")


def analyst_actor(analyst: str) -> str:
    name = analyst.strip()
    if not 1 <= len(name) <= 80:
        raise InvalidInput("name the analyst in 1-80 characters", field="analyst")
    return f"analyst:{name}"


def review_case(services: Services, hold_id: str) -> holds.Hold:
    found = holds.hold(services.db, hold_id)
    if found.kind != holds.REVIEW:
        raise NotFound(f"there is no review case {hold_id!r}", field="hold_id")
    return found


def claim(services: Services, hold_id: str, analyst: str) -> dict[str, Any]:
    """Take a waiting case; claiming your own case again is harmless, another's is refused."""
    actor = analyst_actor(analyst)
    found = review_case(services, hold_id)
    if found.status != holds.WAITING:
        raise Conflict(f"this case is already {found.status}", field="hold_id")
    now = to_micros(services.clock.now())
    try:
        with services.db.write() as conn:
            conn.execute(insert(claims), {"hold_id": hold_id, "analyst": actor, "claimed_at": now})
    except IntegrityError:
        pass
    holder = claimed_by(services.db, hold_id)
    if holder is not None and holder["analyst"] != actor:
        raise Conflict(f"this case is claimed by {holder['analyst']}", field="analyst")
    return case_json(services.db, review_case(services, hold_id))


def resolve(
    services: Services, hold_id: str, analyst: str, label: str, note: str
) -> dict[str, Any]:
    """Decide a case: `legit` posts the payment, `fraud` voids it; the label is kept."""
    actor = analyst_actor(analyst)
    if label not in LABELS:
        raise InvalidInput("label is fraud or legit", field="label")
    found = review_case(services, hold_id)
    holder = claimed_by(services.db, hold_id)
    if holder is not None and holder["analyst"] != actor:
        raise Conflict(f"this case is claimed by {holder['analyst']}", field="analyst")
    if services.risk is not None:
        services.risk.flush()  # the label's event must be in the log to train on
    if label == "legit" and found.approver_user_id is not None:
        holds.hand_to_guardian(services, hold_id, actor)
    elif label == "legit":
        holds.approve_hold(services, hold_id, actor)
    else:
        holds.reject_hold(services, hold_id, actor, note or "judged fraudulent on review")
    with services.db.write() as conn:
        conn.execute(insert(labels), {
            "event_id": found.event_id or f"hold:{hold_id}", "hold_id": hold_id, "label": label,
            "analyst": actor, "note": note, "at": to_micros(services.clock.now()),
        })  # fmt: skip
    return case_json(services.db, holds.hold(services.db, hold_id))  # may be the guardian's now


def claimed_by(db: Database, hold_id: str) -> dict[str, Any] | None:
    with db.read() as conn:
        row = conn.execute(select(claims).where(claims.c.hold_id == hold_id)).first()
    return None if row is None else {"analyst": row.analyst, "claimed_at": row.claimed_at}


def queue(services: Services, status: str = holds.WAITING) -> list[dict[str, Any]]:
    holds.expire_holds(services)
    if services.risk is not None:
        services.risk.flush()  # so each case shows its logged features
    found = holds.list_holds(services.db, kind=holds.REVIEW, status=status)
    return [case_json(services.db, case) for case in found]


def case_json(db: Database, case: holds.Hold) -> dict[str, Any]:
    """The hold plus what the analyst needs: the logged decision and who has the case."""
    holder = claimed_by(db, case.id)
    with db.read() as conn:
        logged = conn.execute(
            select(decisions.c.decision, decisions.c.ruleset, decisions.c.features)
            .where(decisions.c.event_id == case.event_id)
        ).first() if case.event_id else None  # fmt: skip
        label = conn.execute(
            select(labels.c.label, labels.c.analyst, labels.c.note, labels.c.at)
            .where(labels.c.hold_id == case.id)
            .order_by(labels.c.id.desc())
        ).first()
    return {
        **holds.hold_json(case),
        "score": case.score,
        "event": {
            "event_id": case.event_id,
            "decision": logged.decision if logged else "review",
            "ruleset": logged.ruleset if logged else None,
            "features": json.loads(logged.features) if logged else None,
        },
        "claimed_by": holder["analyst"] if holder else None,
        "claimed_at": isoformat(holder["claimed_at"]) if holder else None,
        "label": None if label is None else {
            "label": label.label, "analyst": label.analyst, "note": label.note,
            "at": isoformat(label.at),
        },
    }  # fmt: skip


def labelled_features(db: Database) -> list[tuple[Mapping[str, Any], bool]]:
    """Each labelled event's logged feature snapshot with its label (fraud = True), the
    latest label per event winning: what training adds to the simulated set."""
    with db.read() as conn:
        rows = conn.execute(
            select(labels.c.event_id, labels.c.label, decisions.c.features)
            .join(decisions, decisions.c.event_id == labels.c.event_id)
            .order_by(labels.c.id)
        ).all()
    latest = {row.event_id: (json.loads(row.features), row.label == "fraud") for row in rows}
    return list(latest.values())
