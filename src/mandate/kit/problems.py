"""Render errors: problem+json for the API, an error page or toast for HTML."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from mandate.kit.errors import PROBLEM_MEDIA_TYPE, AppError, FieldError, NotFound, ValidationFailed
from mandate.kit.logging import get_logger

log = get_logger(__name__)


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api") or "application/json" in request.headers.get("accept", "")


def problem_response(error: AppError) -> JSONResponse:
    return JSONResponse(
        error.to_problem(), status_code=error.status, media_type=PROBLEM_MEDIA_TYPE, headers=error.headers
    )


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or "body"


def validation_error_from(exc: RequestValidationError) -> ValidationFailed:
    errors = [FieldError(_field_name(tuple(e["loc"])), str(e["msg"])) for e in exc.errors()]
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors[:5])
    return ValidationFailed(detail, errors=errors)


def install_error_handlers(app: FastAPI) -> None:
    async def handle_app_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, AppError)
        if wants_json(request):
            return problem_response(exc)
        from mandate.web.errors import render_error_page

        return render_error_page(request, exc)

    async def handle_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return await handle_app_error(request, validation_error_from(exc))

    async def handle_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        error: AppError
        if exc.status_code == 404:
            error = NotFound("There is nothing at this address")
        else:
            error = AppError(str(exc.detail))
            error.status = exc.status_code  # type: ignore[misc]
        return await handle_app_error(request, error)

    async def handle_unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled_error", path=request.url.path)
        error = AppError("Something went wrong on our side; the team has been notified")
        error.status = 500  # type: ignore[misc]
        return await handle_app_error(request, error)

    app.add_exception_handler(AppError, handle_app_error)
    app.add_exception_handler(RequestValidationError, handle_validation)
    app.add_exception_handler(StarletteHTTPException, handle_http)
    app.add_exception_handler(Exception, handle_unexpected)
