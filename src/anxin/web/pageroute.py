"""The route class every page router uses: errors become pages, never problem+json.

A page that needs a login redirects to `/login?next=...`; a service error that a handler did
not catch itself (to keep a form's values) is shown as a page in the user's language with the
error's status.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from anxin.core.errors import AnxinError
from anxin.web.page import anyone
from anxin.web.session import LoginRequired


class PageRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired as needed:
                return RedirectResponse(f"/login?next={quote(needed.next_path)}", status_code=303)
            except AnxinError as error:
                page = await run_in_threadpool(anyone, request)
                return page.error_page(error)

        return page_handler
