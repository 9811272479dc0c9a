"""API shapes of events, schedule sessions and ticket types."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from mandate.event.models import EventFormat, EventStatus

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


class EventCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    slug: str | None = Field(default=None, max_length=80, pattern=SLUG_PATTERN, description="Defaults to the title")
    description: str = Field(default="", max_length=20_000, description="Markdown")
    format: EventFormat = EventFormat.IN_PERSON
    venue_name: str = Field(default="", max_length=200)
    venue_address: str = Field(default="", max_length=2000)
    online_url: str = Field(default="", max_length=500)
    timezone: str = Field(default="Europe/London", max_length=64, description="IANA zone, e.g. Europe/London")
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    registration_opens_at: AwareDatetime | None = None
    registration_closes_at: AwareDatetime | None = None
    capacity: int | None = Field(default=None, ge=1, le=1_000_000)
    waitlist_enabled: bool = True
    claim_window_hours: int = Field(default=24, ge=0, le=168)


class EventUpdate(BaseModel):
    """Only the fields sent change; `null` clears an optional field."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=200)
    slug: str | None = Field(default=None, max_length=80, pattern=SLUG_PATTERN)
    description: str | None = Field(default=None, max_length=20_000)
    format: EventFormat | None = None
    venue_name: str | None = Field(default=None, max_length=200)
    venue_address: str | None = Field(default=None, max_length=2000)
    online_url: str | None = Field(default=None, max_length=500)
    timezone: str | None = Field(default=None, max_length=64)
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    registration_opens_at: AwareDatetime | None = None
    registration_closes_at: AwareDatetime | None = None
    capacity: int | None = Field(default=None, ge=1, le=1_000_000)
    waitlist_enabled: bool | None = None
    claim_window_hours: int | None = Field(default=None, ge=0, le=168)
    wizard_step: str | None = Field(default=None, max_length=20)


class EventOut(BaseModel):
    id: uuid.UUID
    title: str
    slug: str
    description: str
    description_html: str
    format: EventFormat
    venue_name: str
    venue_address: str
    online_url: str
    timezone: str
    starts_at: datetime | None
    ends_at: datetime | None
    registration_opens_at: datetime | None
    registration_closes_at: datetime | None
    capacity: int | None
    waitlist_enabled: bool
    claim_window_hours: int
    status: EventStatus = Field(description="A published event whose end has passed reads as completed")
    published_at: datetime | None
    cancelled_at: datetime | None
    wizard_step: str
    public_path: str
    created_at: datetime
    updated_at: datetime


class EventList(BaseModel):
    items: list[EventOut]
    next_cursor: str | None


class Speaker(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    title: str = Field(default="", max_length=160)
    bio: str = Field(default="", max_length=1000)


class SessionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=5000)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    room: str = Field(default="", max_length=120, description="Room or track; sessions in one room may not overlap")
    capacity: int | None = Field(default=None, ge=1, le=1_000_000)
    speakers: list[Speaker] = Field(default_factory=list, max_length=20)
    position: int | None = Field(default=None, ge=0, le=100_000, description="Defaults to the end of the list")


class SessionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    room: str | None = Field(default=None, max_length=120)
    capacity: int | None = Field(default=None, ge=1, le=1_000_000)
    speakers: list[Speaker] | None = Field(default=None, max_length=20)
    position: int | None = Field(default=None, ge=0, le=100_000)


class SessionOut(BaseModel):
    id: uuid.UUID
    event_id: uuid.UUID
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    room: str
    capacity: int | None
    position: int
    speakers: list[Speaker]


class SessionList(BaseModel):
    items: list[SessionOut]


class SessionReorder(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[uuid.UUID] = Field(max_length=1000, description="Every session of the event, in the new order")


class TicketTypeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    description: str = Field(default="", max_length=2000)
    price_minor: int = Field(default=0, ge=0, le=10**12, description="Integer minor units; 0 is free")
    currency: str = Field(default="GBP", min_length=3, max_length=3)
    quantity: int | None = Field(default=None, ge=1, le=1_000_000)
    sales_start_at: AwareDatetime | None = None
    sales_end_at: AwareDatetime | None = None
    visible: bool = True


class TicketTypeUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=120)
    description: str | None = Field(default=None, max_length=2000)
    price_minor: int | None = Field(default=None, ge=0, le=10**12)
    currency: str | None = Field(default=None, min_length=3, max_length=3)
    quantity: int | None = Field(default=None, ge=1, le=1_000_000)
    sales_start_at: AwareDatetime | None = None
    sales_end_at: AwareDatetime | None = None
    visible: bool | None = None
    position: int | None = Field(default=None, ge=0, le=100_000)


class TicketTypeOut(BaseModel):
    id: uuid.UUID
    event_id: uuid.UUID
    name: str
    description: str
    price_minor: int
    currency: str
    price_display: str
    quantity: int | None
    sales_start_at: datetime | None
    sales_end_at: datetime | None
    visible: bool
    position: int
    seats_in_use: int


class TicketTypeList(BaseModel):
    items: list[TicketTypeOut]


class PublicTicketType(BaseModel):
    id: uuid.UUID
    name: str
    description: str
    price_minor: int
    currency: str
    price_display: str
    on_sale: bool = Field(description="Free, inside its sales window, registration open and seats left or a waitlist")
    remaining: int | None = Field(description="Seats left, or null when unlimited")
    availability: str = Field(examples=["12 left", "Sold out — join the waitlist", "Not yet on sale"])


class PublicSession(BaseModel):
    id: uuid.UUID
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    room: str
    speakers: list[Speaker]


class PublicEvent(BaseModel):
    """What anyone may see of a published event; the online join URL is for registered attendees only."""

    title: str
    slug: str
    organization: str
    description_html: str
    format: EventFormat
    venue_name: str
    venue_address: str
    timezone: str
    starts_at: datetime | None
    ends_at: datetime | None
    registration_opens_at: datetime | None
    registration_closes_at: datetime | None
    status: EventStatus
    registration_open: bool
    waitlist_enabled: bool
    sessions: list[PublicSession]
    ticket_types: list[PublicTicketType]
