"""`GET`/`PATCH /v1/me/preferences`: elder mode and language, remembered per user."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from anxin.api.services import services_of
from anxin.identity.preferences import AUTO, preferences, preferences_json, set_preferences
from anxin.identity.routes import CurrentUser

router = APIRouter(prefix="/v1/me", tags=["identity"])


class PreferencesIn(BaseModel):
    """Only the fields sent change; `"language": null` (or "auto") follows the browser again."""

    model_config = ConfigDict(extra="forbid")

    elder_mode: bool | None = Field(default=None, strict=True)
    language: Literal["zh", "en", "auto"] | None = None


@router.get("/preferences")
def my_preferences(request: Request, user: CurrentUser) -> dict[str, Any]:
    return preferences_json(preferences(services_of(request).db, user.id))


@router.patch("/preferences")
def change_preferences(body: PreferencesIn, request: Request, user: CurrentUser) -> dict[str, Any]:
    services = services_of(request)
    language = body.language
    if language is None and "language" in body.model_fields_set:
        language = AUTO
    chosen = set_preferences(
        services.db, user.id, elder_mode=body.elder_mode, language=language, clock=services.clock
    )
    return preferences_json(chosen)
