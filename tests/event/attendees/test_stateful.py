"""Random sequences of registrations, cancellations, transitions, capacity changes, offer expiries and
claims. After every step: no capacity is exceeded, the waitlist is served first come first served,
no free seat is left unoffered, and the stats equal a recount of the rows.

The offer job runs for real after each commit (the memory queue runs jobs at once); expiry calls
the expiry job's function at the deadline.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from mandate.config import Settings
from mandate.event.attendees import offers, service
from mandate.event.attendees.actors import ATTENDEE_ACTOR, Actor
from mandate.event.attendees.capacity import CapacityFull
from mandate.event.attendees.schemas import AttendeeCreate
from mandate.event.attendees.stats import event_stats
from mandate.event.attendees.waitlist import seats_freed
from mandate.event.models import Attendee, AttendeeSource, AttendeeStatus, Event, TicketType
from mandate.event.states import InvalidTransition
from mandate.kit.db import utcnow
from tests.event.attendees.conftest import load_attendees, make_event, make_ticket_type, org_session, set_event
from tests.helpers.fixtures import OrgFactory

S = AttendeeStatus
_emails = itertools.count()


class AttendeeMachine(RuleBasedStateMachine):
    runner: asyncio.Runner
    app: Any

    def run(self, coro: Any) -> Any:
        return self.runner.run(coro)

    @initialize(
        capacity=st.one_of(st.none(), st.integers(0, 4)),
        quantities=st.lists(st.one_of(st.none(), st.integers(0, 3)), min_size=1, max_size=3),
        claim_window=st.sampled_from([0, 24]),
    )
    def create_event(self, capacity: int | None, quantities: list[int | None], claim_window: int) -> None:
        self.org = self.run(OrgFactory(self.app).create(roles=("owner",)))
        self.event: Event = self.run(
            make_event(self.app, self.org.id, capacity=capacity, claim_window_hours=claim_window)
        )
        self.types: list[TicketType] = [
            self.run(make_ticket_type(self.app, self.org.id, self.event.id, quantity=q)) for q in quantities
        ]
        self.ids: list[uuid.UUID] = []

    async def _organizer(self) -> Actor:
        from mandate.account.models import User
        from mandate.authz.context import OrgContext
        from mandate.authz.roles import Role
        from mandate.organization.models import Organization

        user = User(id=self.org.owner.user_id, email=self.org.owner.email, full_name="Owner", password_hash="x")
        org = Organization(id=self.org.id, name="Org", slug=self.org.slug)
        return Actor.organizer(OrgContext(user=user, organization=org, role=Role.OWNER))

    @rule(type_index=st.integers(0, 2))
    def register(self, type_index: int) -> None:
        ticket_type = self.types[type_index % len(self.types)]
        data = AttendeeCreate(name="Guest", email=f"g{next(_emails)}@example.com", ticket_type_id=ticket_type.id)

        async def go() -> None:
            async with org_session(self.app, self.org.id) as session:
                done = await service.register(
                    session, self.event, ticket_type, data, source=AttendeeSource.PUBLIC, actor=ATTENDEE_ACTOR
                )
                self.ids.append(done.attendee.id)

        self.run(go())

    def _pick(self, n: int) -> uuid.UUID | None:
        return self.ids[n % len(self.ids)] if self.ids else None

    async def _change(self, attendee_id: uuid.UUID, to: AttendeeStatus, actor: Actor) -> None:
        try:
            async with org_session(self.app, self.org.id) as session:
                from mandate.event.attendees import repository

                attendee = await repository.get_attendee(session, self.event.id, attendee_id)
                assert attendee is not None
                await service.change_status(session, self.event, attendee, to, actor)
        except (InvalidTransition, CapacityFull):
            pass

    @rule(n=st.integers(0, 100), to=st.sampled_from(list(S)))
    def transition(self, n: int, to: AttendeeStatus) -> None:
        attendee_id = self._pick(n)
        if attendee_id is not None:
            self.run(self._change(attendee_id, to, self.run(self._organizer())))

    @rule(n=st.integers(0, 100))
    def self_cancel(self, n: int) -> None:
        attendee_id = self._pick(n)
        if attendee_id is not None:
            self.run(self._change(attendee_id, S.CANCELLED, ATTENDEE_ACTOR))

    @rule(capacity=st.one_of(st.none(), st.integers(0, 6)), type_index=st.integers(0, 2), quantity=st.integers(0, 5))
    def change_capacity(self, capacity: int | None, type_index: int, quantity: int) -> None:
        """Raise (or lower to no less than what is held) the event capacity and one quantity, as the
        event editor does, then tell the waitlist."""
        rows = self.run(load_attendees(self.app, self.org.id, self.event.id))
        now = utcnow()
        held = [a for a in rows if _holds(a, now)]
        ticket_type = self.types[type_index % len(self.types)]
        if capacity is not None:
            capacity = max(capacity, len(held))
        quantity = max(quantity, sum(1 for a in held if a.ticket_type_id == ticket_type.id))

        async def go() -> None:
            await set_event(self.app, self.org.id, self.event.id, capacity=capacity)
            async with org_session(self.app, self.org.id) as session:
                fresh = await session.get(TicketType, ticket_type.id)
                assert fresh is not None
                fresh.quantity = quantity
                seats_freed(session, self.event.id)

        self.run(go())
        self.event.capacity = capacity
        ticket_type.quantity = quantity

    @rule(n=st.integers(0, 100))
    def offer_expires(self, n: int) -> None:
        offered = [a for a in self._rows() if a.status == S.WAITLISTED.value and a.offer_expires_at is not None]
        if not offered:
            return
        target = offered[n % len(offered)]

        async def go() -> None:
            async with org_session(self.app, self.org.id) as session:
                row = await session.get(Attendee, target.id)
                assert row is not None
                row.offer_expires_at = utcnow() - timedelta(seconds=1)
            async with org_session(self.app, self.org.id) as session:
                assert await offers.expire_offer(session, self.event.id, target.id) == "expired"

        self.run(go())

    @rule(n=st.integers(0, 100))
    def claim(self, n: int) -> None:
        attendee_id = self._pick(n)
        if attendee_id is None:
            return

        async def go() -> None:
            try:
                async with org_session(self.app, self.org.id) as session:
                    row = await session.get(Attendee, attendee_id)
                    assert row is not None
                    await offers.claim(session, row)
            except offers.OfferNotOpen:
                pass

        self.run(go())

    def _rows(self) -> list[Attendee]:
        if not hasattr(self, "org"):
            return []
        rows: list[Attendee] = self.run(load_attendees(self.app, self.org.id, self.event.id))
        return rows

    @invariant()
    def capacity_is_never_exceeded(self) -> None:
        now = utcnow()
        held = [a for a in self._rows() if _holds(a, now)]
        if not hasattr(self, "org"):
            return
        if self.event.capacity is not None:
            assert len(held) <= self.event.capacity
        per_type = Counter(a.ticket_type_id for a in held)
        for t in self.types:
            if t.quantity is not None:
                assert per_type[t.id] <= t.quantity, (t.quantity, per_type[t.id])

    @invariant()
    def waitlist_is_first_come_first_served(self) -> None:
        rows = self._rows()
        now = utcnow()
        waiting = [a for a in rows if a.status == S.WAITLISTED.value]
        seqs = [a.waitlist_seq for a in rows if a.waitlist_seq is not None]
        assert len(seqs) == len(set(seqs))
        for t in getattr(self, "types", []):
            mine = [a for a in waiting if a.ticket_type_id == t.id]
            offered = [a.waitlist_seq or 0 for a in mine if a.offer_expires_at is not None]
            in_line = [a.waitlist_seq or 0 for a in mine if a.offer_expires_at is None]
            if offered and in_line:
                assert max(offered) < min(in_line), (offered, in_line)
        # No free seat is left while someone in line could take it (the offer job ran).
        if waiting:
            held = [a for a in rows if _holds(a, now)]
            event_free = self.event.capacity is None or len(held) < self.event.capacity
            for a in waiting:
                if a.offer_expires_at is not None:
                    continue
                t = next(t for t in self.types if t.id == a.ticket_type_id)
                type_free = t.quantity is None or sum(1 for h in held if h.ticket_type_id == t.id) < t.quantity
                assert not (event_free and type_free), "a seat is free but nobody was offered it"

    @invariant()
    def stats_equal_a_recount(self) -> None:
        if not hasattr(self, "org"):
            return
        rows = self._rows()

        async def go() -> Any:
            async with org_session(self.app, self.org.id) as session:
                fresh = await session.get(Event, self.event.id)
                assert fresh is not None
                return await event_stats(session, fresh)

        stats = self.run(go())
        counts = Counter(a.status for a in rows)
        assert stats.counts.model_dump() == {s.value: counts.get(s.value, 0) for s in S}
        now = utcnow()
        assert stats.capacity.used == sum(1 for a in rows if _holds(a, now))
        for t in stats.ticket_types:
            assert t.counts.model_dump() == {
                s.value: sum(1 for a in rows if a.ticket_type_id == t.id and a.status == s.value) for s in S
            }


def _holds(a: Attendee, now: Any) -> bool:
    if a.status in (S.REGISTERED.value, S.CHECKED_IN.value):
        return True
    return a.status == S.WAITLISTED.value and a.offer_expires_at is not None and a.offer_expires_at > now


def test_attendee_state_machine(settings: Settings) -> None:
    from mandate.app import create_app

    with asyncio.Runner() as runner:
        app = create_app(settings)
        AttendeeMachine.runner = runner
        AttendeeMachine.app = app
        try:
            machine = settings_for(AttendeeMachine)
            machine.TestCase().runTest()
        finally:
            runner.run(app.state.runtime.close())
            runner.run(app.state.engine.dispose())


def settings_for(machine: type[RuleBasedStateMachine]) -> type[RuleBasedStateMachine]:
    machine.TestCase.settings = settings(
        max_examples=25,
        stateful_step_count=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    return machine
