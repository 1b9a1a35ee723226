"""The web app's routes at the site root, and the static files under `/static`.

`install(app)` is all `anxin.api.app` calls; each page module keeps its own router.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import jinja2
from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from anxin.api.problems import http_problem
from anxin.api.services import Services
from anxin.web import (
    assistant,
    auth,
    bills,
    cards,
    family,
    fx,
    home,
    inbox,
    privacy,
    qrpay,
    schedules,
    security,
    settings,
    settings_page,
    statement,
    transfer,
    wallet,
)
from anxin.web.page import WebState, anyone, money, shown_time
from anxin.web.session import csrf_key

PAGE_ROUTERS = (
    auth.router,
    home.router,
    assistant.router,
    settings.router,
    transfer.router,
    statement.router,
    inbox.router,
    bills.router,
    wallet.router,
    cards.router,
    qrpay.router,
    schedules.router,
    fx.router,
    security.router,
    privacy.router,
    family.router,
    settings_page.router,
)


def templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("anxin.web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["money"] = money
    env.filters["shown_time"] = shown_time
    return env


def install(app: FastAPI) -> None:
    """Add every page and the static files to `app` (after its services are built)."""
    services: Services = app.state.services
    app.state.web = WebState(templates(), csrf_key(services.settings.resolved_secret_key()))
    static = Path(str(resources.files("anxin.web").joinpath("static")))
    app.mount("/static", StaticFiles(directory=static), name="static")
    for router in PAGE_ROUTERS:
        app.include_router(router, include_in_schema=False)
    app.add_exception_handler(404, _not_found)


async def _not_found(request: Request, exc: Exception) -> Response:
    """A mistyped page address gets a page in the visitor's language; the API keeps JSON."""
    assert isinstance(exc, HTTPException)
    wants_page = "text/html" in request.headers.get("accept", "")
    if request.url.path.startswith("/v1/") or not wants_page:
        return http_problem(request, exc)
    page = await run_in_threadpool(anyone, request)
    return page.render("error.html", status=404, message=page.t("error.not_found"))
