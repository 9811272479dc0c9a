"""Waitlist jobs: offer freed seats, and expire an offer when its claim window ends."""

from __future__ import annotations

import uuid

from mandate.event.attendees import offers
from mandate.event.attendees.waitlist import EXPIRE_JOB, OFFER_JOB
from mandate.jobs import JobContext, JobFailed, job
from mandate.jobs.registry import JobResult


def _uuid(ctx: JobContext, key: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(ctx.payload[key]))
    except (KeyError, ValueError) as exc:
        raise JobFailed(f"payload has no valid {key}") from exc


@job(OFFER_JOB, max_attempts=5, lease_seconds=60, backoff_seconds=2)
async def offer_seats(ctx: JobContext) -> JobResult:
    run = await offers.offer_seats(ctx.session, _uuid(ctx, "event_id"))
    return {"offered": run.offered, "registered": run.registered, "expired": run.expired}


@job(EXPIRE_JOB, max_attempts=5, lease_seconds=60, backoff_seconds=2)
async def expire_offer(ctx: JobContext) -> JobResult:
    outcome = await offers.expire_offer(ctx.session, _uuid(ctx, "event_id"), _uuid(ctx, "attendee_id"))
    return {"outcome": outcome}
