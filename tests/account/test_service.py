from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import event, func, select

from mandate.account.models import User
from mandate.account.service import EmailTaken, create_user
from tests.helpers.fixtures import PASSWORD

pytestmark = pytest.mark.anyio


class TestCreateUserRace:
    async def test_losing_the_insert_race_is_email_taken_not_a_500(self, app: Any) -> None:
        factory = app.state.session_factory
        engine = app.state.engine.sync_engine
        second_insert_started = asyncio.Event()
        inserts = 0

        def on_execute(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            nonlocal inserts
            if statement.lstrip().upper().startswith("INSERT INTO USERS"):
                inserts += 1
                if inserts == 2:
                    second_insert_started.set()

        event.listen(engine, "before_cursor_execute", on_execute)
        try:
            async with factory() as first, factory() as second:
                await create_user(first, email="race@example.com", password=PASSWORD, full_name="First")
                # `second` passes the lookup (the first row is uncommitted), then blocks on its insert.
                racing = asyncio.create_task(
                    create_user(second, email="race@example.com", password=PASSWORD, full_name="Second")
                )
                await second_insert_started.wait()
                await first.commit()
                with pytest.raises(EmailTaken):
                    await racing
                await second.rollback()
        finally:
            event.remove(engine, "before_cursor_execute", on_execute)
        async with factory() as check:
            count = (await check.execute(select(func.count(User.id)))).scalar_one()
        assert count == 1
