"""Risk over HTTP: the analyst review queue, freezes (self-service and by analysts), audit.

Analyst endpoints are admin endpoints (`require_admin`); the analyst names themself in the
body, and that name is what claims, labels and audit rows record.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from anxin.api.services import services_of
from anxin.core.errors import Unauthenticated
from anxin.identity.routes import CurrentUser, require_admin
from anxin.payments.banks.cards import own_card
from anxin.risk import freezes, reviews

router = APIRouter(prefix="/v1", tags=["risk"])
admin = APIRouter(prefix="/v1/risk", tags=["risk"], dependencies=[Depends(require_admin)])


class AnalystIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    analyst: str = Field(min_length=1, max_length=80, examples=["li.na"])


class ResolveIn(AnalystIn):
    label: Literal["fraud", "legit"]
    note: str = Field(default="", max_length=500)


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500, examples=["phone lost"])


class AnalystReasonIn(AnalystIn):
    reason: str = Field(min_length=1, max_length=500)


class UnfreezeIn(ReasonIn):
    password: str = Field(min_length=1, max_length=200)


# -- the review queue (analysts) ---------------------------------------------------------


@admin.get("/reviews")
def review_queue(
    request: Request,
    status: Annotated[Literal["waiting", "approved", "rejected", "expired"], Query()] = "waiting",
) -> dict[str, Any]:
    """Payments held for review, with the decision's score, reasons and features."""
    return {"reviews": reviews.queue(services_of(request), status)}


@admin.post("/reviews/{hold_id}/claim")
def claim_review(hold_id: str, body: AnalystIn, request: Request) -> dict[str, Any]:
    return reviews.claim(services_of(request), hold_id, body.analyst)


@admin.post("/reviews/{hold_id}/resolve")
def resolve_review(hold_id: str, body: ResolveIn, request: Request) -> dict[str, Any]:
    """`legit` releases the payment, `fraud` returns the money; the label trains the model."""
    return reviews.resolve(services_of(request), hold_id, body.analyst, body.label, body.note)


# -- freezes -------------------------------------------------------------------------------


@router.post("/me/freeze")
def freeze_me(body: ReasonIn, request: Request, user: CurrentUser) -> dict[str, Any]:
    """Freeze your own account (phone lost?): nothing can be sent until you unfreeze it."""
    services = services_of(request)
    found = freezes.freeze(
        services.db, services.clock, freezes.ACCOUNT, user.id,
        user_id=user.id, actor=f"user:{user.id}", reason=body.reason,
    )  # fmt: skip
    return freezes.freeze_json(found)


@router.post("/me/unfreeze")
def unfreeze_me(body: UnfreezeIn, request: Request, user: CurrentUser) -> dict[str, Any]:
    """Unfreeze your account; your password is asked again (a thief has only the session)."""
    services = services_of(request)
    if not services.identity.check_password(user.id, body.password):
        raise Unauthenticated("that is not your password", field="password")
    freezes.unfreeze(services.db, services.clock, freezes.ACCOUNT, user.id,
                     actor=f"user:{user.id}", reason=body.reason)  # fmt: skip
    return freezes.freeze_json(None)


@router.get("/me/freezes")
def my_freezes(request: Request, user: CurrentUser) -> dict[str, Any]:
    """Whether your account is frozen, and every freeze and unfreeze of it and your cards."""
    db = services_of(request).db
    return {
        "account": freezes.freeze_json(freezes.frozen(db, freezes.ACCOUNT, user.id)),
        "history": freezes.audit_trail(db, user_id=user.id),
    }


@router.post("/cards/{card_id}/freeze")
def freeze_card(
    card_id: str, body: ReasonIn, request: Request, user: CurrentUser
) -> dict[str, Any]:
    services = services_of(request)
    own_card(services, user.id, card_id)
    found = freezes.freeze(
        services.db, services.clock, freezes.CARD, card_id,
        user_id=user.id, actor=f"user:{user.id}", reason=body.reason,
    )  # fmt: skip
    return freezes.freeze_json(found)


@router.post("/cards/{card_id}/unfreeze")
def unfreeze_card(
    card_id: str, body: UnfreezeIn, request: Request, user: CurrentUser
) -> dict[str, Any]:
    """Unfreeze one of your cards; your password is asked again, as for the account."""
    services = services_of(request)
    own_card(services, user.id, card_id)
    if not services.identity.check_password(user.id, body.password):
        raise Unauthenticated("that is not your password", field="password")
    freezes.unfreeze(services.db, services.clock, freezes.CARD, card_id,
                     actor=f"user:{user.id}", reason=body.reason)  # fmt: skip
    return freezes.freeze_json(None)


@admin.post("/accounts/{user_id}/freeze")
def freeze_account(user_id: str, body: AnalystReasonIn, request: Request) -> dict[str, Any]:
    services = services_of(request)
    services.identity.user(user_id)
    found = freezes.freeze(services.db, services.clock, freezes.ACCOUNT, user_id,
                           user_id=user_id, actor=reviews.analyst_actor(body.analyst),
                           reason=body.reason)  # fmt: skip
    return freezes.freeze_json(found)


@admin.post("/accounts/{user_id}/unfreeze")
def unfreeze_account(user_id: str, body: AnalystReasonIn, request: Request) -> dict[str, Any]:
    services = services_of(request)
    freezes.unfreeze(services.db, services.clock, freezes.ACCOUNT, user_id,
                     actor=reviews.analyst_actor(body.analyst), reason=body.reason)  # fmt: skip
    return freezes.freeze_json(None)


@admin.get("/freezes/audit")
def freeze_audit(
    request: Request, user_id: str | None = None,
    actor: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> dict[str, Any]:  # fmt: skip
    """Every freeze and unfreeze (one user's with `user_id`, one actor's with `actor`, e.g.
    `risk:application-review` for sign-ups opened for review): who, when, why."""
    audit = freezes.audit_trail(services_of(request).db, user_id=user_id, actor=actor,
                                limit=limit)  # fmt: skip
    return {"audit": audit}
