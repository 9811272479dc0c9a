"""The session and CSRF cookies, set and cleared in one place."""

from __future__ import annotations

from fastapi import Request, Response

from mandate.authz.dependencies import CSRF_COOKIE, SESSION_COOKIE, csrf_token_for


def set_session_cookies(request: Request, response: Response, token: str) -> None:
    settings = request.app.state.settings
    max_age = settings.session_days * 86400
    secure = settings.secure_cookies
    response.set_cookie(SESSION_COOKIE, token, max_age=max_age, httponly=True, samesite="lax", secure=secure, path="/")
    # Readable by scripts on purpose: htmx and fetch echo it in the X-CSRF-Token header.
    response.set_cookie(
        CSRF_COOKIE,
        csrf_token_for(request.app.state.secret_key, token),
        max_age=max_age,
        httponly=False,
        samesite="lax",
        secure=secure,
        path="/",
    )


def clear_session_cookies(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
