"""The landing page and the list of every domain's HTML routers."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

from mandate.web.deps import PageDep
from mandate.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/")
async def home(page: PageDep) -> Response:
    if page.user is not None:
        return RedirectResponse("/deals", status_code=303)
    return render(page.request, "web/landing.html", page.context())


def routers() -> list[APIRouter]:
    from mandate.account.views import router as account_views
    from mandate.audit.views import router as audit_views
    from mandate.billing.views import router as billing_views
    from mandate.deal.export_views import router as deal_export_views
    from mandate.deal.views import router as deal_views
    from mandate.document.editor_views import router as document_editor_views
    from mandate.document.export_views import router as document_export_views
    from mandate.document.library.views import router as template_views
    from mandate.document.views import router as document_views
    from mandate.event.attendees.door_views import router as event_door_views
    from mandate.event.attendees.public_views import router as event_public_attendee_views
    from mandate.event.attendees.views import router as event_attendee_views
    from mandate.event.views import router as event_views
    from mandate.event.wizard import router as event_wizard
    from mandate.jobs.views import router as job_views
    from mandate.mail.views import router as mail_views
    from mandate.organization.views import router as organization_views
    from mandate.staff.views import router as staff_views

    return [
        router,
        account_views,
        deal_export_views,
        deal_views,
        document_export_views,
        document_views,
        document_editor_views,
        template_views,
        event_attendee_views,
        event_door_views,
        event_public_attendee_views,
        event_wizard,
        event_views,
        organization_views,
        billing_views,
        audit_views,
        staff_views,
        job_views,
        mail_views,
    ]
