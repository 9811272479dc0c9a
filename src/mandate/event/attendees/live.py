"""Attendee changes on the event's live channel (`event:<id>`), with the event's counters.

The counters are read after the commit, in a short session of their own: they then include
every transaction committed so far, and the seat lock is not held while they are counted.
Changes that commit while a count runs share the next count (see `_Recounts`): a burst of
registrations costs a few recounts, not one each, and every message still counts its own change.
The channel kind and who may listen belong to the event package; this only publishes.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from mandate.event.attendees import repository
from mandate.event.attendees.stats import event_stats
from mandate.event.models import Attendee, Event
from mandate.kit.logging import get_logger
from mandate.kit.session import after_commit
from mandate.kit.tenancy import set_organization
from mandate.live.channels import name
from mandate.live.events import encode_data
from mandate.runtime import runtime_of

CHANGED = "attendee.changed"
log = get_logger(__name__)


def channel(event_id: uuid.UUID) -> str:
    return name("event", event_id)


async def _counters(bind: AsyncEngine, organization_id: uuid.UUID, event_id: uuid.UUID) -> dict[str, Any] | None:
    async with AsyncSession(bind, expire_on_commit=False) as session:
        set_organization(session, organization_id)
        event = await repository.get_event(session, event_id)
        return None if event is None else (await event_stats(session, event)).model_dump(mode="json")


Counters = dict[str, Any] | None


@dataclass
class _Recounts:
    running: asyncio.Future[Counters] | None = None  # started: may miss a commit made since
    queued: asyncio.Future[Counters] | None = None  # not started yet: sees every commit made so far


_recounts: dict[tuple[int, int, uuid.UUID], _Recounts] = {}


async def _shared_counters(bind: AsyncEngine, organization_id: uuid.UUID, event_id: uuid.UUID) -> Counters:
    """Counters read after the caller's commit: join the queued count, or queue one behind the running one."""
    loop = asyncio.get_running_loop()
    key = (id(loop), id(bind), event_id)
    state = _recounts.setdefault(key, _Recounts())
    if state.queued is not None:
        return await asyncio.shield(state.queued)
    mine: asyncio.Future[Counters] = loop.create_future()
    state.queued = mine
    try:
        while state.running is not None:
            await asyncio.wait([state.running])
        state.queued, state.running = None, mine
        mine.set_result(await _counters(bind, organization_id, event_id))
    except BaseException as exc:
        if not mine.done():
            mine.set_exception(exc if isinstance(exc, Exception) else RuntimeError("recount cancelled"))
            mine.exception()  # retrieved here: the followers re-raise it
        raise
    finally:
        if state.queued is mine:
            state.queued = None
        if state.running is mine:
            state.running = None
        if state.running is None and state.queued is None:
            _recounts.pop(key, None)
    return mine.result()


async def announce(session: AsyncSession, event: Event, attendee: Attendee, action: str) -> None:
    """Publish `attendee.changed` once this transaction commits (nothing if it rolls back)."""
    data: dict[str, Any] = {
        "event_id": str(event.id),
        "attendee_id": str(attendee.id),
        "action": action,
        "status": attendee.status,
        "name": attendee.name,
    }
    encode_data(data)  # a mistake fails the change now, not silently after the commit
    bind = session.bind
    runtime = runtime_of(session)
    organization_id, event_id, target = event.organization_id, event.id, channel(event.id)

    async def send() -> None:
        if not isinstance(bind, AsyncEngine):
            log.warning("attendee_counters_skipped", reason="session has no engine bind")
            return
        stats = await _shared_counters(bind, organization_id, event_id)
        await runtime.live.publish(target, CHANGED, encode_data({**data, "stats": stats}))

    after_commit(session, send)
