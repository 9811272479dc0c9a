"""`GET /api/live`: Server-Sent Events for the channels a caller may read."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from pydantic import StringConstraints
from sse_starlette import EventSourceResponse

from mandate.authz.dependencies import MaybeResolved, NoOrganization, get_caller, get_org_context
from mandate.kit.errors import AppError, NotFound, ValidationFailed, problem_schema, responses
from mandate.kit.session import DbSession
from mandate.live import stream
from mandate.live.bus import BUS_ERRORS
from mandate.live.channels import MAX_CHANNEL_LENGTH, Listener, may_listen, split
from mandate.live.cursor import MAX_CURSOR_LENGTH, decode_cursor
from mandate.runtime import Runtime

MAX_CHANNELS_PER_STREAM = 8

router = APIRouter(prefix="/api", tags=["live"])


class LiveUnavailable(AppError):
    status = 503
    code = "live_unavailable"
    title = "Live updates are unavailable right now; the page still works, reload it to see changes"


_STREAM_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "An event stream (`text/event-stream`): see docs/api.md, Live updates",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    },
    **responses(401, 404, 422),
    503: problem_schema("The live bus (Redis) cannot be reached"),
}

ChannelName = Annotated[str, StringConstraints(max_length=MAX_CHANNEL_LENGTH)]


def _channels(raw: list[str]) -> list[str]:
    for value in raw:
        if split(value) is None:
            raise ValidationFailed.field("channel", f"{value!r} is not a channel name (kind:id, e.g. org:<uuid>)")
    return list(dict.fromkeys(raw))


def _resume(header: str | None, query: str | None) -> dict[str, str] | None:
    """The positions to resume from: the header a reconnecting browser sends wins over the page's."""
    field, text = ("Last-Event-ID", header) if header else ("last_event_id", query)
    if not text:
        return None
    try:
        return decode_cursor(text)
    except ValueError as exc:
        raise ValidationFailed.field(field, "Not an event id this server sent; reconnect without it") from exc


async def _listener(resolved: MaybeResolved) -> Listener:
    caller = await get_caller(resolved)
    try:
        return Listener(caller, await get_org_context(resolved))
    except NoOrganization:
        return Listener(caller, None)


@router.get("/live", response_class=EventSourceResponse, responses=_STREAM_DOC, summary="Stream live updates")
async def live(
    request: Request,
    resolved: MaybeResolved,
    db: DbSession,
    channel: Annotated[list[ChannelName], Query(min_length=1, max_length=MAX_CHANNELS_PER_STREAM)],
    last_event_id: Annotated[str | None, Query(max_length=MAX_CURSOR_LENGTH)] = None,
    last_event_id_header: Annotated[str | None, Header(alias="Last-Event-ID", max_length=MAX_CURSOR_LENGTH)] = None,
) -> EventSourceResponse:
    """Stream events of every `channel` (repeat the parameter); resume with `Last-Event-ID`."""
    listener = await _listener(resolved)
    channels = _channels(channel)
    resume = _resume(last_event_id_header, last_event_id)
    for name in channels:
        if not await may_listen(db, listener, name):
            raise NotFound(f"No such channel: {name}")
    runtime: Runtime = request.app.state.runtime
    try:
        begin = await stream.start(runtime.live, channels, resume)
    except BUS_ERRORS as exc:
        raise LiveUnavailable() from exc
    # The request's database session closes when this returns; the stream never touches it.
    settings = runtime.settings
    return EventSourceResponse(
        stream.messages(runtime.live, begin, stream.lifetime(settings.live_max_connection_seconds)),
        ping=settings.live_heartbeat_seconds,
    )
