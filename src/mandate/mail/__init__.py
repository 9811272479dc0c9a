"""Mail: an outbox table, Jinja templates, delivery jobs (outbox or SMTP), preferences and unsubscribe."""

from mandate.mail.models import MailKind, MailMessage, MailStatus
from mandate.mail.service import Attachment, compose

__all__ = ["Attachment", "MailKind", "MailMessage", "MailStatus", "compose"]
