"""A send job that fails for good marks its message failed, even when no attempt could record it."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from mandate.jobs.models import Job
from mandate.jobs.sweeper import GAVE_UP
from mandate.kit.db import utcnow
from mandate.mail import compose
from mandate.mail.models import MailMessage
from mandate.runtime import attach
from tests.helpers.mail import outbox

pytestmark = pytest.mark.anyio
NOTICE = {"title": "Close the books", "paragraphs": ["Quarter end."], "action_url": None}


async def test_a_message_whose_last_send_attempt_died_is_marked_failed(app: Any) -> None:
    async with attach(app.state.session_factory(), app.state.runtime) as session:
        message = await compose(session, template="mail/email/notice", to="ana@example.com", context=NOTICE)
        await session.commit()  # the hand-off to the queue is never run: the worker "dies" below
    async with app.state.session_factory() as session:
        stuck = {"status": "running", "attempts": 8, "locked_until": utcnow() - timedelta(seconds=1)}
        await session.execute(update(Job).where(Job.name == "mail.send").values(**stuck))
        await session.commit()
    [queued] = await outbox(app)
    assert queued.status == "queued"

    await asyncio.to_thread(app.state.runtime.jobs.threads.sweep)

    [failed] = await outbox(app)
    assert (failed.id, failed.status, failed.last_error, failed.attempts) == (message.id, "failed", GAVE_UP, 8)


async def test_a_sent_message_is_left_alone_by_the_hook(app: Any) -> None:
    async with attach(app.state.session_factory(), app.state.runtime) as session:
        await compose(session, template="mail/email/notice", to="bo@example.com", context=NOTICE)
        await session.commit()
    async with app.state.session_factory() as session:
        await session.execute(update(MailMessage).values(status="sent", sent_at=utcnow()))
        stuck = {"status": "running", "attempts": 8, "locked_until": utcnow() - timedelta(seconds=1)}
        await session.execute(update(Job).where(Job.name == "mail.send").values(**stuck))
        await session.commit()
    await asyncio.to_thread(app.state.runtime.jobs.threads.sweep)
    [message] = await outbox(app)
    assert (message.status, message.last_error) == ("sent", None)
