"""Sign up, log in, log out: the identity service's own functions, with a session cookie."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from anxin.core.errors import AnxinError, InvalidInput, StepUpRequired
from anxin.identity.routes import client_ip
from anxin.web import session
from anxin.web.page import AnyPage, Page, PostedForm
from anxin.web.pageroute import PageRoute

router = APIRouter(route_class=PageRoute)


def _log_in(page: Page, username: str, password: str) -> str:
    """`Identity.login` with what the browser tells about itself (its device id, its agent)."""
    request = page.request
    token, _user = page.services.identity.login(
        username, password, client_ip(request), device_id=session.device_id(request),
        user_agent=request.headers.get("user-agent"),
    )  # fmt: skip
    return token


def _signed_in(page: Page, token: str, target: str) -> RedirectResponse:
    response = page.redirect(session.safe_next(target))
    session.set_session(page.request, response, token, page.services.identity.token_ttl_seconds)
    session.remember_device(page.request, response)
    return response


@router.get("/login")
def login_form(page: AnyPage, next: str = "/", deleted: bool = False) -> Response:
    """`deleted=1` is where the privacy centre sends a browser whose account it just erased."""
    if page.user is not None:
        return page.redirect(session.safe_next(next))
    notice = page.t("login.deleted") if deleted else None
    return page.render(
        "login.html", next=session.safe_next(next), values={}, error=None, notice=notice
    )


@router.post("/login")
def login(page: AnyPage, form: PostedForm) -> Response:
    target = session.safe_next(form.get("next"))
    try:
        token = _log_in(page, form.get("username"), form.get("password"))
    except StepUpRequired as step_up:
        return _code_page(page, str(step_up.extra["challenge_id"]), target,
                          reasons=step_up.extra.get("reasons", []))  # fmt: skip
    except AnxinError as error:
        return page.render(
            "login.html", status=error.status, next=target,
            values={"username": form.get("username")}, error=error,
        )  # fmt: skip
    return _signed_in(page, token, target)


def _code_page(
    page: Page, challenge_id: str, target: str, *, reasons: list[dict[str, str]],
    error: AnxinError | None = None, signing_up: bool = False,
) -> Response:  # fmt: skip
    """The second step of a login (or sign-up) the risk check doubted: the code sent by SMS
    or email."""
    return page.render(
        "login_code.html", status=error.status if error else 200, challenge_id=challenge_id,
        next=target, reasons=reasons, error=error, signing_up=signing_up,
    )  # fmt: skip


@router.post("/login/code")
def login_code(page: AnyPage, form: PostedForm) -> Response:
    """A wrong code asks again (tries left); a spent, late or unknown one starts over."""
    target, challenge_id = session.safe_next(form.get("next")), form.get("challenge_id")
    try:
        token, _user = page.services.identity.verify_login(challenge_id, form.get("code"))
    except InvalidInput as wrong:
        return _code_page(page, challenge_id, target, reasons=[], error=wrong,
                          signing_up=form.get("signing_up") == "1")  # fmt: skip
    except AnxinError as error:
        return page.render("login.html", status=error.status, next=target, values={},
                           error=error)  # fmt: skip
    return _signed_in(page, token, target)


@router.get("/signup")
def signup_form(page: AnyPage) -> Response:
    if page.user is not None:
        return page.redirect("/")
    return page.render("signup.html", values={}, error=None)


@router.post("/signup")
def signup(page: AnyPage, form: PostedForm) -> Response:
    """Open the account and log in; a sign-up the risk check doubts asks for the code it sent
    first, on the same page a doubted login uses (passing it activates and logs in)."""
    values = {name: form.get(name) for name in ("username", "display_name", "phone")}
    identity, request = page.services.identity, page.request
    try:
        if form.get("password") != form.get("password_again"):
            raise InvalidInput("the two passwords differ", field="password_again")
        signed = identity.sign_up(
            form.get("username"), form.get("password"), ip=client_ip(request),
            device_id=session.device_id(request), user_agent=request.headers.get("user-agent"),
            display_name=form.optional("display_name"), phone=form.optional("phone"),
            locale="zh-CN" if page.lang == "zh" else "en",
        )  # fmt: skip
        challenge = signed.challenge
        if challenge is not None:
            response = _code_page(page, challenge.challenge_id, "/",
                                  reasons=list(challenge.reasons), signing_up=True)  # fmt: skip
            session.remember_device(request, response)
            return response
        token = _log_in(page, signed.user.username, form.get("password"))
    except AnxinError as error:
        return page.render("signup.html", status=error.status, values=values, error=error)
    return _signed_in(page, token, "/")


@router.get("/logout")
def logout_form(page: AnyPage) -> HTMLResponse:
    """A page with the log-out button, for links; logging out itself is a POST."""
    return page.render("logout.html")


@router.post("/logout")
def logout(page: AnyPage, form: PostedForm) -> Response:
    token = session.session_token(page.request)
    if token and page.user is not None:
        page.services.identity.logout(token)
    response = page.redirect("/login")
    session.clear_session(page.request, response)
    return response
