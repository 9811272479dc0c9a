"""Request and response shapes of the attendee API (organizer and public)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from mandate.event.models import AttendeeStatus


class AttendeeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    email: str = Field(min_length=3, max_length=254)
    ticket_type_id: uuid.UUID
    company: str = Field(default="", max_length=200)
    job_title: str = Field(default="", max_length=200)


class AttendeeUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    company: str | None = Field(default=None, max_length=200)
    job_title: str | None = Field(default=None, max_length=200)
    notes: str | None = Field(default=None, max_length=5000)
    ticket_type_id: uuid.UUID | None = None


class TransitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: AttendeeStatus
    reason: str = Field(default="", max_length=500)


class CheckInIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=40)


class AttendeeOut(BaseModel):
    id: uuid.UUID
    event_id: uuid.UUID
    ticket_type_id: uuid.UUID
    name: str
    email: str
    company: str
    job_title: str
    status: AttendeeStatus
    source: str
    checkin_code: str
    registered_at: datetime
    checked_in_at: datetime | None
    cancelled_at: datetime | None
    waitlist_seq: int | None
    waitlist_position: int | None = None
    offer_expires_at: datetime | None
    notes: str
    created_at: datetime
    updated_at: datetime


class AttendeeList(BaseModel):
    items: list[AttendeeOut]
    next_cursor: str | None


class CheckInOut(BaseModel):
    attendee: AttendeeOut
    already_checked_in: bool


class HistoryEntryOut(BaseModel):
    id: uuid.UUID
    kind: str
    from_status: str | None
    to_status: str | None
    changes: dict[str, Any]
    actor_id: uuid.UUID | None
    actor: str
    reason: str
    created_at: datetime


class HistoryOut(BaseModel):
    items: list[HistoryEntryOut]


class AttendeeSort(StrEnum):
    NAME = "name"
    NAME_DESC = "-name"
    REGISTERED_AT = "registered_at"
    REGISTERED_AT_DESC = "-registered_at"
    STATUS = "status"
    STATUS_DESC = "-status"


class StatusCounts(BaseModel):
    registered: int = 0
    waitlisted: int = 0
    checked_in: int = 0
    cancelled: int = 0


class CapacityOut(BaseModel):
    used: int
    total: int | None
    available: int | None
    held_by_offers: int


class TicketTypeStats(BaseModel):
    id: uuid.UUID
    name: str
    counts: StatusCounts
    capacity: CapacityOut


class StatsOut(BaseModel):
    event_id: uuid.UUID
    counts: StatusCounts
    capacity: CapacityOut
    ticket_types: list[TicketTypeStats]


class PublicRegistrationIn(AttendeeCreate):
    """The public form asks for the same fields as an organizer does."""


class PublicRegistrationOut(BaseModel):
    status: AttendeeStatus
    ticket_url: str
    waitlist_position: int | None = None


class PublicEventOut(BaseModel):
    title: str
    slug: str
    starts_at: datetime | None
    ends_at: datetime | None
    timezone: str
    format: str
    venue_name: str
    venue_address: str


class PublicTicketOut(BaseModel):
    name: str
    status: AttendeeStatus
    ticket_type: str
    checkin_code: str
    event: PublicEventOut
    join_url: str | None
    waitlist_position: int | None
    offer_expires_at: datetime | None
    can_cancel: bool
    can_claim: bool
