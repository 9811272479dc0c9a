from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from mandate.kit.errors import AppError


def render_error_page(request: Request, error: AppError) -> Response:
    try:
        from mandate.web.templating import render

        return render(request, "errors/error.html", {"error": error}, status_code=error.status)  # type: ignore[no-any-return]
    except Exception:  # the error page must never fail itself
        return HTMLResponse(f"<h1>{error.status}</h1><p>{error.detail}</p>", status_code=error.status)
