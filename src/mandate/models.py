"""Imports every model so metadata is complete (Alembic, the ERD script, tests)."""

from mandate.account.models import User, UserSession
from mandate.audit.models import AuditEntry
from mandate.deal.models import Deal
from mandate.document.exports.models import DocumentExport
from mandate.document.library.models import DocumentTemplate
from mandate.document.models import Document, DocumentRevision
from mandate.event.models import Attendee, AttendeeHistory, Event, EventSession, TicketType
from mandate.jobs.models import Job
from mandate.kit.db import Base
from mandate.mail.models import MailAttachment, MailMessage, NotificationPreference
from mandate.organization.models import ApiToken, Invitation, Membership, Organization

__all__ = [
    "ApiToken",
    "Attendee",
    "AttendeeHistory",
    "AuditEntry",
    "Base",
    "Deal",
    "Document",
    "DocumentExport",
    "DocumentRevision",
    "DocumentTemplate",
    "Event",
    "EventSession",
    "Invitation",
    "Job",
    "MailAttachment",
    "MailMessage",
    "Membership",
    "NotificationPreference",
    "Organization",
    "TicketType",
    "User",
    "UserSession",
]
