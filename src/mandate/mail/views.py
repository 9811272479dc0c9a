"""The dev mailbox for staff (every message in the outbox) and the one-click unsubscribe pages (HTML)."""

from __future__ import annotations

import uuid
from datetime import datetime
from html.parser import HTMLParser
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from mandate.account import repository as account_repo
from mandate.account.models import User
from mandate.kit.errors import NotFound, ValidationFailed
from mandate.kit.pagination import Cursor, decode_cursor, encode_cursor
from mandate.kit.session import DbSession
from mandate.mail import repository
from mandate.mail.categories import CATEGORIES_BY_KEY
from mandate.mail.links import read_unsubscribe
from mandate.mail.mime import as_eml, build_mime
from mandate.mail.models import MailMessage
from mandate.mail.preferences import update_preferences, wants
from mandate.staff.views import TABS
from mandate.web.deps import Page, PageDep, StaffPage
from mandate.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
SORT = "created"
Token = Annotated[str, Path(max_length=600)]


def _before(cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
    if not cursor:
        return None
    decoded = decode_cursor(cursor, sort=SORT)
    try:
        return datetime.fromisoformat(str(decoded.value)), uuid.UUID(decoded.id)
    except ValueError as exc:
        raise ValidationFailed.field("cursor", "Cursor is not valid; start from the first page") from exc


@router.get("/staff/mailbox")
async def mailbox(
    page: StaffPage,
    db: DbSession,
    q: Annotated[str, Query(max_length=254)] = "",
    cursor: Annotated[str | None, Query(max_length=300)] = None,
) -> Response:
    rows = await repository.messages(db, to=q.strip() or None, limit=PAGE_SIZE + 1, before=_before(cursor))
    more, rows = len(rows) > PAGE_SIZE, rows[:PAGE_SIZE]
    query = urlencode({"q": q}) if q else ""
    next_href = None
    if more:
        last = rows[-1]
        token = encode_cursor(Cursor(SORT, last.created_at.isoformat(), str(last.id)))
        next_href = f"/staff/mailbox?{query}{'&' if query else ''}cursor={token}"
    return render(
        page.request,
        "mail/mailbox.html",
        page.context(
            tabs=TABS,
            tab="mailbox",
            rows=rows,
            q=q,
            backend=page.request.app.state.settings.mail_backend,
            next_href=next_href,
            first_href=f"/staff/mailbox?{query}" if cursor else None,
        ),
    )


class _Links(HTMLParser):
    """The links of a message, so staff can follow them (the preview itself is sandboxed)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href") if tag == "a" else None
        if href and href.startswith(("http://", "https://")) and href not in self.found:
            self.found.append(href)


def _links(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.found


async def _message(db: DbSession, message_id: uuid.UUID) -> MailMessage:
    message = await repository.message_with_attachments(db, message_id)
    if message is None:
        raise NotFound("No such message")
    return message


@router.get("/staff/mailbox/{message_id}")
async def message_page(message_id: uuid.UUID, page: StaffPage, db: DbSession) -> Response:
    message = await _message(db, message_id)
    category = CATEGORIES_BY_KEY.get(message.category or "")
    return render(
        page.request,
        "mail/message.html",
        page.context(
            tabs=TABS,
            tab="mailbox",
            message=message,
            headers=list(build_mime(message).items()),
            links=_links(message.html_body),
            category=category,
        ),
    )


def _download(content: bytes, content_type: str, filename: str) -> Response:
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    # Served from our origin: never let a browser render it as a page.
    headers = {
        "Content-Disposition": disposition,
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox",
        "Cache-Control": "private, no-store",
    }
    return Response(content, media_type=content_type, headers=headers)


@router.get("/staff/mailbox/{message_id}/attachments/{attachment_id}")
async def attachment(message_id: uuid.UUID, attachment_id: uuid.UUID, page: StaffPage, db: DbSession) -> Response:
    found = await repository.attachment(db, message_id, attachment_id)
    if found is None:
        raise NotFound("No such attachment")
    return _download(found.content, found.content_type, found.filename)


@router.get("/staff/mailbox/{message_id}/raw")
async def raw(message_id: uuid.UUID, page: StaffPage, db: DbSession) -> Response:
    message = await _message(db, message_id)
    return _download(as_eml(message), "message/rfc822", f"message-{message.id}.eml")


# One-click unsubscribe (RFC 8058): the signed token is the authority, no login needed ---------------


def _masked(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}{'•' * max(len(local) - 1, 2)}@{domain}"


async def _target(db: DbSession, page: Page, token: str) -> tuple[User, str] | None:
    found = read_unsubscribe(page.request.app.state.settings, token)
    if found is None or found.category not in CATEGORIES_BY_KEY:
        return None
    user = await account_repo.get_user(db, found.user_id)
    return (user, found.category) if user is not None else None


def _unsubscribe_page(page: Page, state: str, token: str, target: tuple[User, str] | None) -> Response:
    user, key = target if target else (None, "")
    return render(
        page.request,
        "mail/unsubscribe.html",
        page.context(
            state=state,
            token=token,
            category=CATEGORIES_BY_KEY.get(key),
            email=_masked(user.email) if user else "",
        ),
        status_code=400 if state == "invalid" else 200,
        headers={"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"},
    )


@router.get("/unsubscribe/{token}")
async def unsubscribe_page(token: Token, page: PageDep, db: DbSession) -> Response:
    target = await _target(db, page, token)
    if target is None:
        return _unsubscribe_page(page, "invalid", token, None)
    subscribed = await wants(db, target[0].id, target[1])
    return _unsubscribe_page(page, "confirm" if subscribed else "already", token, target)


@router.post("/unsubscribe/{token}")
async def unsubscribe(token: Token, page: PageDep, db: DbSession) -> Response:
    """Mail clients post `List-Unsubscribe=One-Click` here without cookies; the confirm page posts too."""
    target = await _target(db, page, token)
    if target is None:
        return _unsubscribe_page(page, "invalid", token, None)
    await update_preferences(db, target[0].id, {target[1]: False}, via="unsubscribe")
    return _unsubscribe_page(page, "done", token, target)
