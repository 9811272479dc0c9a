from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from mandate.jobs.models import Job
from mandate.kit.session import run_after_commit
from mandate.mail import compose
from mandate.runtime import attach


async def compose_now(app: Any, **kwargs: Any) -> uuid.UUID:
    """Compose in a transaction of its own and commit it, as a request would."""
    async with attach(app.state.session_factory(), app.state.runtime) as session:
        message = await compose(session, **kwargs)
        await session.commit()
    await run_after_commit(session)
    return message.id


async def send_jobs(app: Any, message_id: uuid.UUID) -> list[Job]:
    async with app.state.session_factory() as session:
        jobs = (await session.execute(select(Job).where(Job.name == "mail.send"))).scalars()
        return [j for j in jobs if j.payload.get("message_id") == str(message_id)]
