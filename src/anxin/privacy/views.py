"""How consents look to clients: both languages, so a page can show either."""

from __future__ import annotations

from typing import Any

from anxin.privacy.consents import ConsentView


def consent_json(view: ConsentView) -> dict[str, Any]:
    p = view.purpose
    return {
        "purpose": p.id,
        "granted": view.granted,
        "default": p.default,
        "changed_at": view.changed_at,
        "title": {"zh": p.title_zh, "en": p.title_en},
        "used_for": {"zh": p.used_for_zh, "en": p.used_for_en},
        "when_off": {"zh": p.when_off_zh, "en": p.when_off_en},
    }
