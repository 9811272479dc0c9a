"""The application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text

from mandate.account.service import LoginPolicy
from mandate.config import Settings, get_settings
from mandate.deal.cache import ListCache
from mandate.kit import metrics
from mandate.kit.db import create_engine, create_session_factory
from mandate.kit.logging import configure_logging
from mandate.kit.middleware import RequestContextMiddleware
from mandate.kit.problems import install_error_handlers
from mandate.kit.ratelimit import RateLimiter
from mandate.organization.service import invitation_signer
from mandate.runtime import build_runtime

STATIC_DIR = Path(__file__).parent / "web" / "static"
VENDOR_DIR = Path(__file__).resolve().parents[2] / "node_modules"
VENDOR_ASSETS = {"htmx": "htmx.org/dist", "htmx-sse": "htmx-ext-sse/dist", "jsqr": "jsqr/dist"}


def _routers() -> list[object]:
    from mandate.account.api import router as account_api
    from mandate.audit.api import router as audit_api
    from mandate.billing.api import router as billing_api
    from mandate.deal.api import router as deal_api
    from mandate.document.api import router as document_api
    from mandate.document.exports.api import router as document_export_api
    from mandate.document.library.api import router as template_api
    from mandate.event.api import router as event_api
    from mandate.event.attendees.api import router as attendee_api
    from mandate.event.attendees.public_api import router as attendee_public_api
    from mandate.event.public import router as public_event_api
    from mandate.jobs.api import router as jobs_api
    from mandate.live.api import router as live_api
    from mandate.mail.api import router as mail_api
    from mandate.organization.api import router as organization_api
    from mandate.staff.api import router as staff_api
    from mandate.storage.views import router as storage_views
    from mandate.web.views import routers as web_routers

    return [
        account_api,
        organization_api,
        deal_api,
        template_api,
        document_api,
        document_export_api,
        event_api,
        public_event_api,
        attendee_api,
        attendee_public_api,
        audit_api,
        billing_api,
        staff_api,
        jobs_api,
        storage_views,
        live_api,
        mail_api,
        *web_routers(),
    ]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = (settings or get_settings()).check()
    configure_logging(settings.log_level, json=settings.log_json)
    engine = create_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await app.state.runtime.storage.start()
        queue = app.state.runtime.jobs
        if settings.run_jobs_in_process:
            queue.start_in_process()
        yield
        await app.state.runtime.close()
        await engine.dispose()

    app = FastAPI(
        title="Mandate API",
        version="0.1.0",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = create_session_factory(engine)
    app.state.secret_key = settings.ensure_secret_key()
    app.state.invitation_signer = invitation_signer(app.state.secret_key)
    app.state.deal_list_cache = ListCache()
    app.state.runtime = build_runtime(settings)
    limiter = RateLimiter(settings.redis_url or "memory://")
    app.state.login_policy = LoginPolicy(limiter, settings.login_failures_per_account, settings.login_attempts_per_ip)
    app.add_middleware(RequestContextMiddleware)
    app.add_middleware(metrics.MetricsMiddleware)
    install_error_handlers(app)
    for router in _routers():
        app.include_router(router)  # type: ignore[arg-type]
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for mount, package in VENDOR_ASSETS.items():
        if (VENDOR_DIR / package).is_dir():  # optional: pages work as plain forms without htmx
            app.mount(f"/vendor/{mount}", StaticFiles(directory=VENDOR_DIR / package), name=f"vendor-{mount}")
    _add_health(app)
    _add_metrics(app)
    _add_problem_schema(app)
    return app


def _add_metrics(app: FastAPI) -> None:
    @app.get("/metrics", include_in_schema=False)
    def read_metrics(request: Request) -> Response:  # sync: reading the multiprocess files blocks
        client = request.client.host if request.client else None
        allowed = metrics.may_read(app.state.settings, request.headers.get("authorization", ""), client)
        if allowed is None:
            return PlainTextResponse("Not Found", status_code=404)
        if not allowed:
            return PlainTextResponse("Unauthorized", status_code=401, headers={"WWW-Authenticate": "Bearer"})
        return Response(metrics.exposition(), media_type=metrics.CONTENT_TYPE)


def _add_health(app: FastAPI) -> None:
    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        checks: dict[str, str] = {}
        try:
            async with app.state.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:  # readiness reports, it does not raise
            checks["database"] = f"error: {type(exc).__name__}"
        if app.state.settings.redis_url:
            checks["redis"] = _redis_check(app.state.settings.redis_url)
        ok = all(v == "ok" for v in checks.values())
        return JSONResponse({"status": "ok" if ok else "unavailable", "checks": checks}, status_code=200 if ok else 503)


def _redis_check(url: str) -> str:
    import redis

    try:
        redis.Redis.from_url(url, socket_timeout=1).ping()
        return "ok"
    except redis.RedisError as exc:
        return f"error: {type(exc).__name__}"


def _add_problem_schema(app: FastAPI) -> None:
    original = app.openapi

    def openapi() -> dict[str, object]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Problem"] = {
            "type": "object",
            "required": ["type", "title", "status", "detail", "code"],
            "properties": {
                "type": {"type": "string"},
                "title": {"type": "string"},
                "status": {"type": "integer"},
                "detail": {"type": "string"},
                "code": {"type": "string"},
                "errors": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                    },
                },
            },
            "additionalProperties": True,
        }
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
