from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from mandate.account.models import User
from mandate.kit.errors import Conflict
from mandate.kit.session import get_db

pytestmark = pytest.mark.anyio


def fake_request(app: Any) -> Any:
    return SimpleNamespace(app=app)


class TestGetDb:
    async def test_error_after_a_failed_flush_reaches_the_caller_unchanged(self, app: Any) -> None:
        """The route's own error (say 409 after a unique violation) must not turn into a 500."""
        async with app.state.session_factory() as setup:
            setup.add(User(email="taken@example.com", full_name="A", password_hash="x"))
            await setup.commit()
        dependency = get_db(fake_request(app))
        session = await anext(dependency)
        session.add(User(email="taken@example.com", full_name="B", password_hash="x"))
        with pytest.raises(IntegrityError):
            await session.flush()
        with pytest.raises(Conflict):
            await dependency.athrow(Conflict("already taken"))

    async def test_a_write_is_committed_when_the_route_returns(self, app: Any) -> None:
        dependency = get_db(fake_request(app))
        session = await anext(dependency)
        session.add(User(email="new@example.com", full_name="N", password_hash="x"))
        with pytest.raises(StopAsyncIteration):
            await anext(dependency)
        async with app.state.session_factory() as check:
            assert (await check.execute(select(func.count(User.id)))).scalar_one() == 1
