"""Every error leaves the API as RFC 9457 `application/problem+json`, never a stack trace."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from anxin.core.errors import PROBLEM_BASE, AnxinError, RateLimited

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


def problem_response(
    error: AnxinError, request: Request | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = error.problem(instance=request.url.path if request is not None else None)
    headers = dict(headers or {})
    if isinstance(error, RateLimited):
        headers["Retry-After"] = str(error.retry_after)
    return JSONResponse(body, status_code=error.status, media_type=PROBLEM_JSON, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(AnxinError)
    async def _anxin(request: Request, exc: AnxinError) -> JSONResponse:
        return problem_response(exc, request)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [_describe(error) for error in exc.errors()]
        body = {
            "type": PROBLEM_BASE + "invalid-input",
            "title": "Invalid input",
            "status": 422,
            "detail": "; ".join(f"{e['field']}: {e['message']}" for e in errors),
            "field": errors[0]["field"] if errors else None,
            "errors": errors,
            "instance": request.url.path,
        }
        return JSONResponse(body, status_code=422, media_type=PROBLEM_JSON)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        return http_problem(request, exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        body = {
            "type": PROBLEM_BASE + "internal",
            "title": "Internal error",
            "status": 500,
            "detail": "something went wrong on our side; nothing was changed by the failed "
            "step, and retrying with the same Idempotency-Key is safe",
            "instance": request.url.path,
        }
        return JSONResponse(body, status_code=500, media_type=PROBLEM_JSON)


def http_problem(request: Request, exc: HTTPException) -> JSONResponse:
    """A routing error (no such path, wrong method) as problem+json."""
    slug = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
    body = {
        "type": PROBLEM_BASE + slug,
        "title": str(exc.detail),
        "status": exc.status_code,
        "detail": str(exc.detail),
        "instance": request.url.path,
    }
    return JSONResponse(
        body,
        status_code=exc.status_code,
        media_type=PROBLEM_JSON,
        headers=getattr(exc, "headers", None),
    )


def _describe(error: dict[str, Any]) -> dict[str, str]:
    if error.get("type") == "json_invalid":
        return {"field": "body", "message": "the body is not valid JSON"}
    loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path")]
    if error.get("loc", ("",))[0] == "header":
        loc = [str(part) for part in error["loc"][1:]]
    field = ".".join(loc) or "body"
    return {"field": field, "message": str(error.get("msg", "invalid"))}
