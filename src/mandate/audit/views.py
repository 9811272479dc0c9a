"""The organization's audit log: filters, keyset pages, CSV export link (HTML)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from fastapi.responses import Response

from mandate.audit import repository
from mandate.audit.api import next_cursor, page_cursor
from mandate.audit.models import AuditEntry
from mandate.audit.repository import AuditFilter
from mandate.authz.roles import Permission
from mandate.kit.errors import AppError, PermissionDenied
from mandate.kit.session import DbSession
from mandate.organization import repository as org_repo
from mandate.web.deps import OrgPage
from mandate.web.htmx import is_htmx
from mandate.web.templating import render

router = APIRouter(include_in_schema=False)
LONDON = ZoneInfo("Europe/London")
PAGE_SIZE = 50
SUBJECT_LINKS = {"deal": "/deals/{id}"}
NOUNS = {"deal": "Deal", "api_token": "API token", "organization": "Organization", "account": "Account"}


@dataclass
class Filters:
    """What the filter form sent, what it means, and the errors it has."""

    action: str = ""
    actor: str = ""
    subject_type: str = ""
    date_from: str = ""
    date_to: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    since: datetime | None = None
    until: datetime | None = None

    def __post_init__(self) -> None:
        self.since = self._day(self.date_from, "date_from")
        end = self._day(self.date_to, "date_to")
        self.until = end + timedelta(days=1) if end else None
        if self.since and self.until and self.until <= self.since:
            self.errors["date_to"] = "Choose a date on or after the start date"

    def _day(self, raw: str, name: str) -> datetime | None:
        if not raw:
            return None
        try:
            return datetime.combine(date.fromisoformat(raw), time.min, tzinfo=LONDON)
        except ValueError:
            self.errors[name] = "Enter a date like 2026-03-31"
            return None

    def audit_filter(self) -> AuditFilter:
        return AuditFilter(
            self.action or None, self.actor or None, self.subject_type or None, None, self.since, self.until
        )

    def form_query(self, **extra: str) -> str:
        values = {
            "action": self.action,
            "actor": self.actor,
            "subject_type": self.subject_type,
            "date_from": self.date_from,
            "date_to": self.date_to,
            **extra,
        }
        return urlencode({k: v for k, v in values.items() if v})

    def api_query(self) -> str:
        values = {
            "action": self.action,
            "actor": self.actor,
            "subject_type": self.subject_type,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
        }
        return urlencode({k: v for k, v in values.items() if v})

    @property
    def active(self) -> bool:
        return bool(self.action or self.actor or self.subject_type or self.date_from or self.date_to)


def action_label(action: str) -> str:
    """ "deal.created" -> "Deal created"; "organization.member_invited" -> "Member invited"."""
    prefix, _, rest = action.partition(".")
    if not rest:
        return action.replace("_", " ").capitalize()
    if "_" not in rest and "." not in rest:
        return f"{NOUNS.get(prefix, prefix.replace('_', ' ').capitalize())} {rest}"
    return rest.replace("_", " ").replace(".", " ").capitalize()


def _text(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, str) and value.islower() and "_" in value and " " not in value:
        return value.replace("_", " ")  # codes such as a stage: due_diligence -> due diligence
    if isinstance(value, list | dict):
        return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    return str(value)


def details(entry: AuditEntry) -> list[tuple[str, str]]:
    """An entry's data as readable (label, text) pairs: changes read "old → new"."""
    data = entry.data or {}
    if set(data) >= {"from", "to"}:
        rows = [("Change", f"{_text(data['from'])} → {_text(data['to'])}")]
        return rows + [(k.replace("_", " ").capitalize(), _text(v)) for k, v in data.items() if k not in ("from", "to")]
    rows = []
    for key, value in data.items():
        label = key.replace("_", " ").capitalize()
        if isinstance(value, list) and len(value) == 2:
            rows.append((label, f"{_text(value[0])} → {_text(value[1])}"))
        else:
            rows.append((label, _text(value)))
    return rows


def subject_link(entry: AuditEntry) -> str | None:
    pattern = SUBJECT_LINKS.get(entry.subject_type)
    return pattern.format(id=entry.subject_id) if pattern else None


async def load_page(
    db: DbSession, flt: AuditFilter, cursor: str | None, errors: dict[str, str], *, all_orgs: bool = False
) -> tuple[list[AuditEntry], str | None]:
    if errors:
        return [], None
    try:
        before = page_cursor(cursor)
    except AppError:
        errors["cursor"] = "That page link is out of date; showing the newest entries."
        before = None
    fetch = repository.list_all_orgs if all_orgs else repository.list_entries
    entries = await fetch(db, flt, limit=PAGE_SIZE + 1, before=before)
    return entries[:PAGE_SIZE], next_cursor(entries, PAGE_SIZE)


@router.get("/audit")
async def audit_log(
    org_page: OrgPage,
    db: DbSession,
    action: Annotated[str, Query(max_length=80)] = "",
    actor: Annotated[str, Query(max_length=254)] = "",
    subject_type: Annotated[str, Query(max_length=40)] = "",
    date_from: Annotated[str, Query(max_length=10)] = "",
    date_to: Annotated[str, Query(max_length=10)] = "",
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    page, ctx = org_page
    if not ctx.can(Permission.AUDIT_READ):
        raise PermissionDenied("Only owners and admins can read the audit log")
    filters = Filters(action.strip(), actor.strip(), subject_type.strip(), date_from, date_to)
    entries, next_token = await load_page(db, filters.audit_filter(), cursor, filters.errors)
    actions, subject_types = await repository.facets(db)
    people = [u.email for _m, u in await org_repo.members(db)]
    fragment = is_htmx(page.request)
    return render(
        page.request,
        "audit/log.html",
        page.context(
            filters=filters,
            rows=[(e, action_label(e.action), details(e), subject_link(e)) for e in entries],
            next_href=f"/audit?{filters.form_query(cursor=next_token)}" if next_token else None,
            first_href=f"/audit?{filters.form_query()}" if cursor else None,
            export_href=f"/api/audit/export?{filters.api_query()}".rstrip("?"),
            actions=[(a, action_label(a)) for a in actions],
            subject_types=subject_types,
            people=people,
        ),
        status_code=422 if filters.errors and "cursor" not in filters.errors and not fragment else 200,
        block_name="results" if fragment else None,
    )
