"""HTML rendering of errors: an error page, a toast for htmx, a redirect to log in."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mandate.kit.errors import AppError
from mandate.kit.logging import get_logger

log = get_logger(__name__)


def _light_page(request: Request) -> object:
    """The header of an error page without touching the database (it may be what failed)."""
    from mandate.authz.dependencies import SESSION_COOKIE, csrf_token_for
    from mandate.web.deps import Page

    viewer = getattr(request.state, "viewer", None)
    page = Page(request=request)
    if viewer is not None and viewer.has_session:
        page.user, page.org, page.role = viewer.user, viewer.org, viewer.role
        cookie = request.cookies.get(SESSION_COOKIE, "")
        page.csrf_token = csrf_token_for(request.app.state.secret_key, cookie)
    return page


def render_error_page(request: Request, error: AppError) -> Response:
    from mandate.web.deps import login_url

    is_htmx = request.headers.get("hx-request") == "true"
    if error.status == 401:
        target = login_url(request)
        if is_htmx:
            return Response(status_code=204, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)
    try:
        from mandate.web.templating import render

        if is_htmx:
            # Swap a toast into the page's live region instead of replacing the target.
            return render(
                request,
                "partials/toast.html",
                {"error": error},
                status_code=error.status,
                headers={"HX-Retarget": "#toasts", "HX-Reswap": "beforeend"},
            )
        return render(
            request, "errors/error.html", {"error": error, "page": _light_page(request)}, status_code=error.status
        )
    except Exception:  # the error page must never fail itself
        log.exception("error_page_failed")
        return HTMLResponse(f"<h1>{error.status}</h1><p>{error.detail}</p>", status_code=error.status)
