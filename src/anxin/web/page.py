"""What every page handler receives: the user, language, elder mode, CSRF token, `render`.

Handlers declare `page: UserPage` (signed-in pages) or `page: AnyPage` (login, sign-up), and
`form: PostedForm` on POST handlers: that dependency has already checked the CSRF token and
the Origin before the handler runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import jinja2
from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from anxin.api.services import Services, services_of
from anxin.core.clock import from_micros
from anxin.core.errors import AnxinError, Unauthenticated
from anxin.core.money import Money
from anxin.identity.service import User
from anxin.web import prefs, session
from anxin.web.forms import Form
from anxin.web.i18n import Lang, translate
from anxin.web.nav import NAV

SHOWN_TZ = ZoneInfo("Asia/Shanghai")
"""Times are shown, and date filters read, on mainland China time."""


SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True, slots=True)
class WebState:
    templates: jinja2.Environment
    csrf_key: bytes


def web_state(request: Request) -> WebState:
    state: WebState = request.app.state.web
    return state


class Page:
    """One request's view of the user: language, mode, and how to answer with HTML."""

    def __init__(self, request: Request, user: User | None, lang: Lang, elder: bool) -> None:
        self.request = request
        self.services: Services = services_of(request)
        self.user = user
        self.lang: Lang = lang
        self.elder = elder
        self._web = web_state(request)

    @property
    def signed_in_user(self) -> User:
        """The user on pages that require one (`UserPage` guarantees it)."""
        assert self.user is not None
        return self.user

    @property
    def csrf(self) -> str:
        return session.csrf_token(self._web.csrf_key, self.request)

    def t(self, key: str, **params: Any) -> str:
        return translate(self.lang, key, elder=self.elder, **params)

    def error_text(self, error: AnxinError) -> str:
        """A service error in the user's language: field-specific wording where written.

        Where only the general wording exists, English adds the service's own explanation
        (written in English), and a risk refusal adds its reasons in the user's language.
        """
        specific = f"errors.{error.slug}.{error.field}"
        if error.field and translate(self.lang, specific) != specific:
            return self.t(specific)
        general = f"errors.{error.slug}"
        text = self.t(general) if translate(self.lang, general) != general else ""
        text = text or self.t("errors.generic")
        explained = error.extra.get("explained")
        reasons = error.extra.get("reasons")
        if not explained and isinstance(reasons, list):
            # A login or sign-up refusal words its reasons in both languages.
            explained = [r for r in reasons if isinstance(r, dict)]
        if isinstance(explained, list) and explained:
            said = [
                str(r.get(self.lang) or r.get("en", "")) for r in explained if isinstance(r, dict)
            ]
            return f"{text} {'; '.join(said)}"
        if self.lang == "en" and isinstance(reasons, list) and reasons:
            return f"{text} {'; '.join(str(r) for r in reasons)}"
        if self.lang == "en" and error.status in (404, 409, 422):
            return f"{text} ({error.detail})"
        return text

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = self._web.templates.get_template(template).render(
            page=self, t=self.t, user=self.user, lang=self.lang, elder=self.elder,
            nav=[item for item in NAV if item.elder or not self.elder],
            path=self.request.url.path, **context,
        )  # fmt: skip
        response = HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)
        session.remember_nonce(self.request, response)
        return response

    def error_page(self, error: AnxinError) -> HTMLResponse:
        return self.render("error.html", status=error.status, message=self.error_text(error))

    def redirect(self, path: str) -> RedirectResponse:
        """After a POST: 303, so a reload never posts again."""
        return RedirectResponse(path, status_code=303)


def money(units: int, currency: str) -> str:
    """Minor units as shown to people: `¥1,234.50`, `-¥12.00`."""
    return Money.from_minor(units, currency).shown()


def shown_time(micros: int, pattern: str = "%Y-%m-%d %H:%M") -> str:
    return from_micros(micros).astimezone(SHOWN_TZ).strftime(pattern)


def _user_of(request: Request) -> User | None:
    token = session.session_token(request)
    if not token:
        return None
    try:
        return services_of(request).identity.authenticate(token)
    except Unauthenticated:
        return None


def anyone(request: Request) -> Page:
    user = _user_of(request)
    lang, elder = prefs.choices(services_of(request), user, request)
    return Page(request, user, lang, elder)


def signed_in(request: Request) -> Page:
    page = anyone(request)
    if page.user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise session.LoginRequired(target)
    return page


async def posted_form(request: Request) -> Form:
    form = Form.parse(await request.body())
    session.check_csrf(web_state(request).csrf_key, request, form.get(session.CSRF_FIELD))
    return form


AnyPage = Annotated[Page, Depends(anyone)]
UserPage = Annotated[Page, Depends(signed_in)]
PostedForm = Annotated[Form, Depends(posted_form)]
