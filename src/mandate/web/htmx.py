"""Whether a request came from htmx and wants a fragment rather than a whole page."""

from __future__ import annotations

from starlette.requests import Request


def is_htmx(request: Request) -> bool:
    # A history restore (back button after a cache miss) needs the whole page, not a fragment.
    headers = request.headers
    return headers.get("hx-request") == "true" and headers.get("hx-history-restore-request") != "true"
