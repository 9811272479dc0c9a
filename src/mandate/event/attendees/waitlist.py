"""Freed seats go to the waitlist through a job, after the commit, never inline in a request."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from mandate.jobs import enqueue

OFFER_JOB = "event.offer_seats"
EXPIRE_JOB = "event.expire_offer"
_QUEUED_KEY = "event_offer_jobs"


def seats_freed(session: AsyncSession, event_id: uuid.UUID) -> None:
    """Call when seats may have freed (a cancellation, a raised capacity or quantity): the offer job
    runs after this transaction commits. Once per event and transaction."""
    queued: set[uuid.UUID] = session.sync_session.info.setdefault(_QUEUED_KEY, set())
    if event_id in queued:
        return
    queued.add(event_id)
    enqueue(session, OFFER_JOB, {"event_id": str(event_id)})
