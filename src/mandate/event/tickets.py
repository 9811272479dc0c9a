"""Ticket types: prices (a paid ticket needs the paid_events feature), quantities, sales windows."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from mandate.audit.service import record
from mandate.authz.context import OrgContext
from mandate.billing.entitlements import require_feature
from mandate.billing.tiers import Feature
from mandate.event import repository, rules, service
from mandate.event.models import Event, EventStatus, TicketType
from mandate.event.schemas import TicketTypeCreate, TicketTypeUpdate
from mandate.kit.errors import Conflict, FieldError, NotFound, ValidationFailed
from mandate.kit.money import MoneyError, normalise_currency


class TicketTypeHasAttendees(Conflict):
    code = "ticket_type_has_attendees"
    title = "This ticket type has attendees"


class LastTicketType(Conflict):
    code = "last_ticket_type"
    title = "A published event needs at least one ticket type"


def _currency(code: str) -> str:
    try:
        return normalise_currency(code)
    except MoneyError as exc:
        raise ValidationFailed.field("currency", str(exc)) from exc


async def get(session: AsyncSession, ctx: OrgContext, event_id: uuid.UUID, ticket_type_id: uuid.UUID) -> TicketType:
    await service.get(session, ctx, event_id)
    found = await repository.get_ticket_type(session, event_id, ticket_type_id)
    if found is None:
        raise NotFound("No such ticket type")
    return found


async def _writable(
    session: AsyncSession, ctx: OrgContext, event_id: uuid.UUID, ticket_type_id: uuid.UUID
) -> tuple[Event, TicketType]:
    event = await service.get_for_write(session, ctx, event_id)
    found = await repository.get_ticket_type(session, event_id, ticket_type_id)
    if found is None:
        raise NotFound("No such ticket type")
    return event, found


def _check_window(event: Event, values: dict[str, Any]) -> None:
    errors = rules.check_sales_window(values["sales_start_at"], values["sales_end_at"], event.ends_at)
    if errors:
        raise ValidationFailed(errors[0].message, errors=errors)


async def add(
    session: AsyncSession, ctx: OrgContext, event_id: uuid.UUID, data: TicketTypeCreate, *, base_url: str = ""
) -> TicketType:
    event = await service.get_for_write(session, ctx, event_id)
    values = data.model_dump()
    values["name"] = rules.collapse(values["name"])
    if not values["name"]:
        raise ValidationFailed.field("name", "Name the ticket type")
    values["currency"] = _currency(values["currency"])
    values["description"] = values["description"].strip()
    _check_window(event, values)
    if values["price_minor"] > 0:
        require_feature(ctx.organization, Feature.PAID_EVENTS, base_url=base_url)
    ticket = TicketType(
        organization_id=ctx.organization.id,
        event_id=event.id,
        position=await repository.next_ticket_position(session, event.id),
        **values,
    )
    session.add(ticket)
    await session.flush()
    data_out = {"ticket_type_id": str(ticket.id), "name": ticket.name, "price_minor": ticket.price_minor}
    record(session, ctx, "event.ticket_type.added", "event", event.id, data_out)
    await service.touch(session, ctx, event, "ticket_type_added", ticket_type_id=str(ticket.id))
    return ticket


async def update(
    session: AsyncSession,
    ctx: OrgContext,
    event_id: uuid.UUID,
    ticket_type_id: uuid.UUID,
    data: TicketTypeUpdate,
    *,
    base_url: str = "",
) -> TicketType:
    event, ticket = await _writable(session, ctx, event_id, ticket_type_id)
    fields = ("name", "description", "price_minor", "currency", "quantity", "sales_start_at", "sales_end_at")
    proposed: dict[str, Any] = {name: getattr(ticket, name) for name in (*fields, "visible", "position")}
    for name in data.model_fields_set:
        value = getattr(data, name)
        if value is None and name in ("name", "price_minor", "currency", "visible", "position"):
            raise ValidationFailed.field(name, "This field cannot be empty")
        proposed[name] = value
    proposed["name"] = rules.collapse(proposed["name"])
    if not proposed["name"]:
        raise ValidationFailed.field("name", "Name the ticket type")
    proposed["currency"] = _currency(proposed["currency"])
    proposed["description"] = (proposed["description"] or "").strip()
    _check_window(event, proposed)
    if proposed["price_minor"] > 0 and proposed["price_minor"] != ticket.price_minor:
        require_feature(ctx.organization, Feature.PAID_EVENTS, base_url=base_url)
    quantity = proposed["quantity"]
    if quantity is not None and quantity != ticket.quantity:
        used = await repository.seats_in_use(session, event.id, ticket.id)
        if quantity < used:
            message = f"{used} seats of this type are taken; the quantity cannot go below that"
            raise service.CapacityBelowUsage(message, errors=[FieldError("quantity", message)], seats_in_use=used)
    changed = sorted(name for name, value in proposed.items() if getattr(ticket, name) != value)
    for name in changed:
        setattr(ticket, name, proposed[name])
    if changed:
        data_out = {"ticket_type_id": str(ticket.id), "fields": changed}
        record(session, ctx, "event.ticket_type.updated", "event", event.id, data_out)
        await service.touch(session, ctx, event, "ticket_type_updated", ticket_type_id=str(ticket.id))
    await session.flush()
    return ticket


async def remove(session: AsyncSession, ctx: OrgContext, event_id: uuid.UUID, ticket_type_id: uuid.UUID) -> None:
    event, ticket = await _writable(session, ctx, event_id, ticket_type_id)
    attendees = await repository.count_attendees(session, event.id, ticket_type_id=ticket.id)
    if attendees:
        raise TicketTypeHasAttendees(f"{attendees} attendee record(s) hold this ticket type; hide it instead")
    if event.status == EventStatus.PUBLISHED.value and await repository.count_ticket_types(session, event.id) == 1:
        raise LastTicketType("Add another ticket type before removing this one")
    data_out = {"ticket_type_id": str(ticket.id), "name": ticket.name}
    record(session, ctx, "event.ticket_type.removed", "event", event.id, data_out)
    await session.delete(ticket)
    await service.touch(session, ctx, event, "ticket_type_removed", ticket_type_id=str(ticket.id))
    await session.flush()
