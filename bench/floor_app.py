"""The floor: a bare Starlette app serving fixed JSON bytes from memory.

It answers the same path as the Mandate endpoint with the exact bytes Mandate returned, so
the floor and the app pay the same HTTP, socket and client costs and differ only in what the
application does per request. The body is read once at start-up from the file named by
``MANDATE_BENCH_FLOOR_BODY``.
"""

from __future__ import annotations

import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

BODY_ENV = "MANDATE_BENCH_FLOOR_BODY"
HEALTH_BODY = b'{"status":"ok"}'


def create_app() -> Starlette:
    """The uvicorn factory (``bench.floor_app:create_app --factory``)."""
    body = Path(os.environ[BODY_ENV]).read_bytes()

    async def deals(_request: Request) -> Response:
        return Response(body, media_type="application/json")

    async def healthz(_request: Request) -> Response:
        return Response(HEALTH_BODY, media_type="application/json")

    async def save_content(request: Request) -> Response:
        # The autosave floor: read and parse the body as Mandate must, answer the next version.
        payload = await request.json()
        return JSONResponse({"version": payload["base_version"] + 1, "saved_at": "2026-01-01T00:00:00+00:00"})

    return Starlette(
        routes=[
            Route("/api/deals", deals),
            Route("/healthz", healthz),
            Route("/api/document-generation/documents/{document_id}/content", save_content, methods=["PATCH"]),
        ]
    )
