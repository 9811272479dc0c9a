"""Event hub tables. Every row is tenant-owned; times are stored in UTC and shown in the event's zone."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from mandate.kit.db import Base, IdMixin, TimestampMixin, UTCDateTime, utcnow
from mandate.kit.tenancy import TenantMixin


class EventStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class EventFormat(StrEnum):
    IN_PERSON = "in_person"
    VIRTUAL = "virtual"
    HYBRID = "hybrid"


class AttendeeStatus(StrEnum):
    REGISTERED = "registered"
    WAITLISTED = "waitlisted"
    CHECKED_IN = "checked_in"
    CANCELLED = "cancelled"


class AttendeeSource(StrEnum):
    ORGANIZER = "organizer"
    PUBLIC = "public"


DEFAULT_CLAIM_WINDOW_HOURS = 24


class Event(IdMixin, TimestampMixin, TenantMixin, Base):
    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("organization_id", "slug"),
        Index("ix_events_org_status_starts", "organization_id", "status", "starts_at"),
    )

    title: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    format: Mapped[str] = mapped_column(String(12), default=EventFormat.IN_PERSON.value)
    venue_name: Mapped[str] = mapped_column(String(200), default="")
    venue_address: Mapped[str] = mapped_column(Text, default="")
    online_url: Mapped[str] = mapped_column(String(500), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/London")
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    capacity: Mapped[int | None] = mapped_column(Integer)
    waitlist_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Hours a freed seat is held for the first in line; 0 registers them at once.
    claim_window_hours: Mapped[int] = mapped_column(Integer, default=DEFAULT_CLAIM_WINDOW_HOURS)
    status: Mapped[str] = mapped_column(String(12), default=EventStatus.DRAFT.value)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Wizard step last saved, so leaving and coming back resumes there.
    wizard_step: Mapped[str] = mapped_column(String(20), default="basics")


class EventSession(IdMixin, TimestampMixin, TenantMixin, Base):
    """One slot of the schedule. Speakers are a small list of {name, title, bio} kept with the slot."""

    __tablename__ = "event_sessions"
    __table_args__ = (Index("ix_event_sessions_event_starts", "event_id", "starts_at"),)

    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    room: Mapped[str] = mapped_column(String(120), default="")
    capacity: Mapped[int | None] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)
    speakers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class TicketType(IdMixin, TimestampMixin, TenantMixin, Base):
    __tablename__ = "ticket_types"
    __table_args__ = (Index("ix_ticket_types_event_position", "event_id", "position"),)

    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    price_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="GBP")
    quantity: Mapped[int | None] = mapped_column(Integer)
    sales_start_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sales_end_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    visible: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def is_free(self) -> bool:
        return self.price_minor == 0


class Attendee(IdMixin, TimestampMixin, TenantMixin, Base):
    __tablename__ = "attendees"
    __table_args__ = (
        # One active registration per email and event; the database enforces it under races.
        Index(
            "uq_attendees_event_email_active",
            "event_id",
            "email",
            unique=True,
            sqlite_where=text("status != 'cancelled'"),
            postgresql_where=text("status != 'cancelled'"),
        ),
        Index("ix_attendees_event_status_ticket", "event_id", "status", "ticket_type_id"),
        Index("ix_attendees_event_registered", "event_id", "registered_at"),
        Index("ix_attendees_event_waitlist", "event_id", "waitlist_seq"),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    ticket_type_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ticket_types.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    company: Mapped[str] = mapped_column(String(200), default="")
    job_title: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(12))
    source: Mapped[str] = mapped_column(String(12), default=AttendeeSource.ORGANIZER.value)
    # Unguessable; the ticket page /t/{code} and the QR code both carry it.
    checkin_code: Mapped[str] = mapped_column(String(40), unique=True)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Waitlist order: assigned under the event lock, so FIFO holds even when timestamps tie.
    waitlist_seq: Mapped[int | None] = mapped_column(BigInteger)
    # An open offer holds a seat until it expires.
    offer_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    notes: Mapped[str] = mapped_column(Text, default="")


class AttendeeHistory(IdMixin, TenantMixin, Base):
    """Append-only: every status change and edit of an attendee."""

    __tablename__ = "attendee_history"
    __table_args__ = (Index("ix_attendee_history_attendee_created", "attendee_id", "created_at"),)

    attendee_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"))
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12))  # "status" or "edit"
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str | None] = mapped_column(String(12))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Who acted when there is no user: "attendee" (self-service) or "system" (offer expiry, promotion).
    actor_label: Mapped[str] = mapped_column(String(20), default="")
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
