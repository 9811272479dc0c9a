"""A small HTTP server speaking the public contract `mandate smoke` checks (sign-up, deals, live, jobs).

It lets the smoke client's live and job steps be exercised end to end over real HTTP. Serve it with
`uvicorn tests.helpers.smoke_target:app`; `SMOKE_TARGET_FAULT` breaks one part on purpose:
`event` (no live event), `job` (the export fails), `csv` (the file lacks the deal).
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

FAULT = os.environ.get("SMOKE_TARGET_FAULT", "")
accounts: dict[str, dict[str, str]] = {}  # email -> password, org id
tokens: dict[str, str] = {}  # token -> org id
deals: dict[str, dict[str, str]] = {}  # deal id -> name, org id
jobs: dict[str, dict[str, Any]] = {}
subscribers: dict[str, list[asyncio.Queue[str]]] = {}


def org_of(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return tokens.get(token) if scheme == "Bearer" else None


def unauthorized() -> JSONResponse:
    return JSONResponse({"code": "not_authenticated"}, status_code=401)


async def health(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok", "checks": {"database": "ok"}})


async def signup(request: Request) -> JSONResponse:
    body = await request.json()
    org_id = str(uuid.uuid4())
    accounts[body["email"]] = {"password": body["password"], "org": org_id}
    response = JSONResponse({"user": {"email": body["email"]}, "organization": {"id": org_id}}, status_code=201)
    response.set_cookie("mandate_session", "cookie-session")
    return response


async def token(request: Request) -> JSONResponse:
    body = await request.json()
    account = accounts.get(body["email"])
    if account is None or account["password"] != body["password"]:
        return unauthorized()
    secret = uuid.uuid4().hex
    tokens[secret] = account["org"]
    return JSONResponse({"access_token": secret, "token_type": "bearer"})


async def create_deal(request: Request) -> JSONResponse:
    if (org := org_of(request)) is None or "mandate_session" in request.cookies:
        return unauthorized()
    body = await request.json()
    deal_id = str(uuid.uuid4())
    deals[deal_id] = {"name": body["name"], "org": org}
    if FAULT != "event":
        # The shape Mandate's live endpoint sends: a general `deal.changed` naming its action.
        event = {"channel": f"org:{org}", "data": {"deal_id": deal_id, "action": "created", "name": body["name"]}}
        for queue in subscribers.get(f"org:{org}", []):
            queue.put_nowait(f"id: 1\nevent: deal.changed\ndata: {json.dumps(event)}\n\n")
    return JSONResponse({"id": deal_id, "name": body["name"]}, status_code=201)


async def delete_deal(request: Request) -> Response:
    deal = deals.get(request.path_params["deal_id"])
    if deal is None or deal["org"] != org_of(request):
        return JSONResponse({"code": "not_found"}, status_code=404)
    del deals[request.path_params["deal_id"]]
    return Response(status_code=204)


async def live(request: Request) -> Response:
    org, channel = org_of(request), request.query_params.get("channel", "")
    if org is None or channel != f"org:{org}":
        return JSONResponse({"code": "not_found"}, status_code=404)
    queue: asyncio.Queue[str] = asyncio.Queue()
    subscribers.setdefault(channel, []).append(queue)

    async def stream() -> AsyncIterator[str]:
        yield "id: 0\nretry: 2000\n\n"
        yield ": heartbeat\n\n"
        while True:
            yield await queue.get()

    return StreamingResponse(stream(), media_type="text/event-stream")


async def start_export(request: Request) -> JSONResponse:
    if (org := org_of(request)) is None:
        return unauthorized()
    job_id = str(uuid.uuid4())
    jobs[job_id] = {"org": org, "polls": 0}
    return JSONResponse({"job_id": job_id, "status": "queued", "poll_url": f"/api/jobs/{job_id}"}, status_code=202)


async def job(request: Request) -> JSONResponse:
    job_id = request.path_params["job_id"]
    record = jobs.get(job_id)
    if record is None or record["org"] != org_of(request):
        return JSONResponse({"code": "not_found"}, status_code=404)
    record["polls"] += 1
    if record["polls"] < 3:
        return JSONResponse({"job_id": job_id, "status": "running" if record["polls"] > 1 else "queued"})
    if FAULT == "job":
        return JSONResponse({"job_id": job_id, "status": "failed", "error": "renderer crashed"})
    result = {"download_url": f"/files/{job_id}.csv"}
    return JSONResponse({"job_id": job_id, "status": "succeeded", "result": result})


async def download(request: Request) -> Response:
    record = jobs.get(request.path_params["job_id"])
    if record is None or record["org"] != org_of(request):
        return JSONResponse({"code": "not_found"}, status_code=404)
    names = [d["name"] for d in deals.values() if d["org"] == record["org"] and FAULT != "csv"]
    return PlainTextResponse("name,stage\n" + "".join(f"{n},sourcing\n" for n in names), media_type="text/csv")


app = Starlette(
    routes=[
        Route("/healthz", health),
        Route("/readyz", health),
        Route("/api/auth/signup", signup, methods=["POST"]),
        Route("/api/auth/token", token, methods=["POST"]),
        Route("/api/deals/exports", start_export, methods=["POST"]),
        Route("/api/deals", create_deal, methods=["POST"]),
        Route("/api/deals/{deal_id}", delete_deal, methods=["DELETE"]),
        Route("/api/live", live),
        Route("/api/jobs/{job_id}", job),
        Route("/files/{job_id}.csv", download),
    ]
)
